/**
 * Reports of sweeps: a self-contained HTML page per result store, the aggregated table as CSV
 * and JSON, and an index page linking several sweeps' reports.
 *
 * @example
 * ```ts ignore
 * import { writeIndex, writeReport } from "./mod.ts";
 * const { html } = await writeReport("results/quickstart");
 * await writeIndex("results");
 * ```
 *
 * @module
 */
export { type ReportJson, writeReport, type WrittenReport } from "./write_report.ts";
export { writeIndex } from "./index_page.ts";
export { type AggregateRow, aggregateRows } from "./aggregate.ts";
export { loadReportInput, type ReportInput } from "./load.ts";
