/**
 * The index page: one line per sweep report found under a results folder, linking to it, with
 * the sweep's name, date, job counts and devices read from each report's JSON.
 *
 * @module
 */
import { html } from "./html/template.ts";
import { STYLES } from "./html/styles.ts";
import { raw } from "./html/template.ts";
import type { ReportJson } from "./write_report.ts";
import { numeric, scrollTable } from "./html/table.ts";

/** The file name reports are written under in each store. */
export const REPORT_FILE = "report.html";

/** One report the index links. */
export interface IndexEntry {
  /** Path of the report relative to the index. */
  href: string;
  /** What its report.json says. */
  summary: ReportJson;
}

async function findReports(root: string, prefix = "", depth = 0): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  const names: string[] = [];
  for await (const entry of Deno.readDir(root)) if (entry.isDirectory) names.push(entry.name);
  for (const name of names.sort()) {
    const folder = `${root}/${name}`;
    try {
      const json = await Deno.readTextFile(`${folder}/${REPORT_FILE.replace(".html", ".json")}`);
      entries.push({ href: `${prefix}${name}/${REPORT_FILE}`, summary: JSON.parse(json) });
    } catch {
      // no report here
    }
    if (depth < 1) entries.push(...await findReports(folder, `${prefix}${name}/`, depth + 1));
  }
  return entries;
}

/** Renders the index page for `entries`. */
export function indexPage(entries: readonly IndexEntry[]): string {
  const rows = entries.map(({ href, summary }) => {
    const devices = [...new Set(summary.rows.map((r) => r.device))].join(", ");
    const models = [...new Set(summary.rows.map((r) => r.model))].join(", ");
    return html`
      <tr>
        <td><a href="${href}">${summary.sweep}</a></td>
        <td>${models}</td>
        <td>${devices}</td>
        <td class="num">${summary.jobs.recorded}</td>
        <td class="num">${summary.jobs.failed}</td>
        <td>${summary.generatedAt}</td>
      </tr>
    `;
  });
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>GRIFFIN bench: reports</title>
        <style>${raw(STYLES)}</style>
      </head>
      <body>
        <header>
          <h1>GRIFFIN bench: reports</h1>
          <p class="lead">${entries.length} sweep report${entries.length === 1 ? "" : "s"}.</p>
        </header>
        <main>
          ${scrollTable(
            ["sweep", "models", "devices", numeric("jobs"), numeric("failed"), "report made"],
            rows,
          )}
        </main>
      </body>
    </html>
  `.text;
}

/**
 * Writes `ROOT/index.html` linking every `report.html` in ROOT's sub-folders (and theirs, for
 * shards); returns its path.
 *
 * @example
 * ```ts ignore
 * import { writeIndex } from "./index_page.ts";
 * await writeIndex("results");
 * ```
 */
export async function writeIndex(root: string): Promise<string> {
  const path = `${root.replace(/\/+$/, "")}/index.html`;
  await Deno.writeTextFile(path, indexPage(await findReports(root)));
  return path;
}
