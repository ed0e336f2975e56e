/**
 * A tagged template for HTML that escapes every interpolated value unless it is marked
 * {@link raw}: text from records (prompts, outputs, errors) can never become markup.
 *
 * @module
 */

/** HTML that is already safe: the result of {@link html}, or a trusted constant via {@link raw}. */
export class SafeHtml {
  /** The markup. */
  readonly text: string;
  /** Wraps markup that is known to be safe. */
  constructor(text: string) {
    this.text = text;
  }
  /** The markup itself. */
  toString(): string {
    return this.text;
  }
}

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./template.ts";
 * console.assert(escapeHtml("<script>") === "&lt;script&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Marks trusted markup (constants of this module, or inlined library source) as safe. */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === undefined || value === null || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/**
 * Builds HTML; strings and numbers interpolated into it are escaped, arrays are joined, and
 * `undefined`, `null` and `false` render as nothing.
 *
 * @example
 * ```ts
 * import { html } from "./template.ts";
 * const cell = html`<td>${"<b>"}</td>`;
 * console.assert(cell.text === "<td>&lt;b&gt;</td>");
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += render(values[i]) + strings[i + 1];
  return new SafeHtml(text);
}

/**
 * Serialises a value as JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the
 * line separators U+2028/U+2029 become `\u` escapes, so no text can close the element.
 *
 * @example
 * ```ts
 * import { jsonForScript } from "./template.ts";
 * console.assert(!jsonForScript({ a: "</script>" }).includes("</"));
 * ```
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
