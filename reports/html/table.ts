/**
 * The report's plain data table: a header row (numeric columns right-aligned) over rows the
 * caller renders, in a horizontally scrolling box.
 *
 * @module
 */
import { html, type SafeHtml } from "./template.ts";

/** A column heading; numeric columns get the `num` class (right-aligned). */
export type Column = string | { label: string; numeric: true };

/**
 * A table of rows under the given headings.
 *
 * @example
 * ```ts
 * import { scrollTable } from "./table.ts";
 * import { html } from "./template.ts";
 * const table = scrollTable(["model", { label: "jobs", numeric: true }], html`<tr><td>a</td><td>1</td></tr>`);
 * console.assert(table.text.includes('<th class="num">jobs</th>'));
 * ```
 */
export function scrollTable(columns: Column[], rows: unknown): SafeHtml {
  const headings = columns.map((c) =>
    typeof c === "string" ? html`<th>${c}</th>` : html`<th class="num">${c.label}</th>`
  );
  return html`
    <div class="scroll">
      <table>
        <thead>
          <tr>${headings}</tr>
        </thead>
        <tbody>${rows}</tbody>
      </table>
    </div>
  `;
}

/** A numeric column heading. */
export function numeric(label: string): Column {
  return { label, numeric: true };
}
