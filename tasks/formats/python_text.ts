/**
 * Python's string methods where JavaScript's differ, so renderings match lm-evaluation-harness
 * character for character: `str.strip()` (Python's whitespace set: it includes `\x1c`–`\x1f` and
 * `\x85`, and not JavaScript's `\uFEFF`), `str.capitalize()` and lowering one character, all
 * on code points rather than UTF-16 units.
 *
 * @module
 */

const WHITESPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" +
  "\\u202f\\u205f\\u3000";
const LEADING = new RegExp(`^[${WHITESPACE}]+`, "u");
const TRAILING = new RegExp(`[${WHITESPACE}]+$`, "u");

/**
 * Python's `text.strip()`.
 *
 * @example
 * ```ts
 * import { pyStrip } from "./python_text.ts";
 * pyStrip("\x1f a b \n"); // "a b"
 * ```
 */
export function pyStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}

/**
 * Python's `text.rstrip()`.
 *
 * @example
 * ```ts
 * import { pyRstrip } from "./python_text.ts";
 * pyRstrip("Answer: \n"); // "Answer:"
 * ```
 */
export function pyRstrip(text: string): string {
  return text.replace(TRAILING, "");
}

/**
 * Python's `text.capitalize()`: the first character upper-case, every other lower-case.
 *
 * @example
 * ```ts
 * import { pyCapitalize } from "./python_text.ts";
 * pyCapitalize("then the USA"); // "Then the usa"
 * ```
 */
export function pyCapitalize(text: string): string {
  const [first = "", ...rest] = [...text];
  return first.toUpperCase() + rest.join("").toLowerCase();
}

/**
 * `text[0].lower() + text[1:]`: only the first character lowered.
 *
 * @example
 * ```ts
 * import { lowerFirst } from "./python_text.ts";
 * lowerFirst("Paris is big."); // "paris is big."
 * ```
 */
export function lowerFirst(text: string): string {
  const [first = "", ...rest] = [...text];
  return first.toLowerCase() + rest.join("");
}

/**
 * Python's `len(text)`: the number of code points.
 *
 * @example
 * ```ts
 * import { pyLen } from "./python_text.ts";
 * pyLen("a😀"); // 2
 * ```
 */
export function pyLen(text: string): number {
  return [...text].length;
}
