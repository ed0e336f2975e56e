/**
 * GSM8K's final-number exact match. The answer in an output is the number after the last
 * `####` when there is one (the format of the examples), else the last number in the text.
 * Numbers lose `$` and thousands commas and a trailing `.`; they match when equal as numbers.
 *
 * @module
 */

const NUMBER = /-?[$0-9.,]*[0-9]/g;

function clean(text: string): string {
  return text.replace(/[$,]/g, "").replace(/\.$/, "");
}

/**
 * The final number of a generated solution, cleaned, or undefined when it has none.
 *
 * @example
 * ```ts
 * import { finalNumber } from "./answer_number.ts";
 * finalNumber("She makes 9 * 2 = $18.\n#### 1,018"); // "1018"
 * ```
 */
export function finalNumber(output: string): string | undefined {
  const marker = output.lastIndexOf("####");
  const scope = marker >= 0 ? output.slice(marker + 4) : output;
  const numbers = scope.match(NUMBER);
  if (!numbers) return marker >= 0 ? finalNumber(output.slice(0, marker)) : undefined;
  return clean(marker >= 0 ? numbers[0] : numbers[numbers.length - 1]);
}

/**
 * 1 when the output's final number equals the reference answer as a number, else 0.
 *
 * @example
 * ```ts
 * import { numberExactMatch } from "./answer_number.ts";
 * numberExactMatch("so the answer is 18.00", "18"); // 1
 * ```
 */
export function numberExactMatch(output: string, answer: string): number {
  const got = finalNumber(output);
  if (got === undefined) return 0;
  const want = clean(answer.trim());
  const a = Number(got), b = Number(want);
  if (Number.isFinite(a) && Number.isFinite(b)) return a === b ? 1 : 0;
  return got === want ? 1 : 0;
}
