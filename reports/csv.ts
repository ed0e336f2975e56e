/**
 * The aggregated table as CSV (RFC 4180: comma-separated, quoted where needed, CRLF line ends):
 * one column per field and a value and a `_stderr` column per metric.
 *
 * @module
 */
import type { AggregateRow } from "./aggregate.ts";

const FIELDS = [
  "model",
  "task",
  "taskVersion",
  "mode",
  "method",
  "density",
  "device",
  "jobs",
  "ok",
  "failed",
] as const;

const TIMINGS = [
  "promptMs",
  "selectionMs",
  "decodeMsPerToken",
  "tokensPerSecond",
  "decodeSpeedup",
  "promptSpeedup",
  "rooflineSpeedup",
  "rooflinePercent",
] as const;

/** Quotes a CSV cell when it holds a comma, quote or line break. */
export function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Renders rows as CSV; metrics absent from a row (another task's) are empty cells.
 *
 * @example
 * ```ts
 * import { rowsToCsv } from "./csv.ts";
 * const csv = rowsToCsv([]);
 * console.assert(csv.startsWith("model,task,"));
 * ```
 */
export function rowsToCsv(rows: readonly AggregateRow[]): string {
  const metrics = [...new Set(rows.flatMap((row) => Object.keys(row.metrics)))];
  const header = [...FIELDS, ...metrics.flatMap((m) => [m, `${m}_stderr`]), ...TIMINGS];
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows) {
    lines.push(
      [
        ...FIELDS.map((field) => row[field]),
        ...metrics.flatMap((m) => [row.metrics[m]?.value, row.metrics[m]?.stderr]),
        ...TIMINGS.map((field) => row[field]),
      ].map(csvCell).join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
