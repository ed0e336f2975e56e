/**
 * Writes a sweep's report: one self-contained HTML page, and the aggregated table as CSV and
 * JSON beside it.
 *
 * @module
 */
import { dirname } from "node:path";
import type { AggregateRow } from "./aggregate.ts";
import { rowsToCsv } from "./csv.ts";
import { reportPage } from "./html/page.ts";
import { loadReportInput } from "./load.ts";

/** Version of report.json's layout. */
export const REPORT_JSON_SCHEMA = 1;

/** report.json: the aggregated table and what it was made from. */
export interface ReportJson {
  /** {@link REPORT_JSON_SCHEMA}. */
  schema: number;
  /** The sweep's name. */
  sweep: string;
  /** The store folder. */
  store: string;
  /** When the report was made. */
  generatedAt: string;
  /** Jobs recorded and failed. */
  jobs: { recorded: number; failed: number; planned?: number };
  /** The aggregated rows. */
  rows: AggregateRow[];
}

/** Where {@link writeReport} wrote. */
export interface WrittenReport {
  /** The HTML page. */
  html: string;
  /** The aggregated table as CSV. */
  csv: string;
  /** The aggregated table as JSON. */
  json: string;
}

/**
 * Reads a store and writes its report: `out` (default `STORE/report.html`), and the same path
 * with `.csv` and `.json` in place of `.html`.
 *
 * @example
 * ```ts ignore
 * import { writeReport } from "./write_report.ts";
 * const written = await writeReport("results/quickstart");
 * console.log(`report: ${written.html}`);
 * ```
 */
export async function writeReport(
  storeDir: string,
  options: { out?: string } = {},
): Promise<WrittenReport> {
  const input = await loadReportInput(storeDir);
  const htmlPath = options.out ?? `${storeDir.replace(/\/+$/, "")}/report.html`;
  const stem = htmlPath.replace(/\.html?$/i, "");
  const written = { html: htmlPath, csv: `${stem}.csv`, json: `${stem}.json` };
  const name = (path: string) => path.split("/").pop()!;
  const generatedAt = new Date().toISOString();
  const page = await reportPage(
    input,
    { csv: name(written.csv), json: name(written.json) },
    generatedAt,
  );
  const json: ReportJson = {
    schema: REPORT_JSON_SCHEMA,
    sweep: input.sweepName,
    store: storeDir,
    generatedAt,
    jobs: {
      recorded: input.jobs.length,
      failed: input.jobs.filter((j) => j.status === "failed").length,
      planned: input.plan?.jobs.length,
    },
    rows: input.rows,
  };
  await Deno.mkdir(dirname(htmlPath), { recursive: true });
  await Deno.writeTextFile(written.html, page);
  await Deno.writeTextFile(written.csv, rowsToCsv(input.rows));
  await Deno.writeTextFile(written.json, JSON.stringify(json, null, 1) + "\n");
  return written;
}
