/**
 * `deno task report RESULTS_DIR... [--out FILE] [--no-index]`: writes each store's report
 * (`report.html`, `.csv`, `.json` in the store, or at `--out` for a single store), then an
 * `index.html` in each store's parent folder linking all the reports found there.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeIndex } from "./index_page.ts";
import { writeReport } from "./write_report.ts";

/** How to call it. */
export const USAGE = `usage: deno task report RESULTS_DIR... [--out FILE] [--no-index]
  RESULTS_DIR  a sweep's result store (e.g. results/quickstart)
  --out FILE   where the HTML goes (one store only); the .csv and .json go beside it
  --no-index   do not write index.html in the stores' parent folder`;

/** Runs the command line; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const stores: string[] = [];
  let out: string | undefined;
  let index = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return console.log(USAGE), 0;
    else if (arg === "--out") out = args[++i];
    else if (arg.startsWith("--out=")) out = arg.slice("--out=".length);
    else if (arg === "--no-index") index = false;
    else if (arg.startsWith("-")) return console.error(`unknown flag ${arg}\n\n${USAGE}`), 2;
    else stores.push(arg);
  }
  if (stores.length === 0 || (out !== undefined && (out === "" || stores.length > 1))) {
    console.error(
      `${stores.length === 0 ? "give a results folder" : "--out takes one store"}\n\n${USAGE}`,
    );
    return 2;
  }
  for (const store of stores) {
    try {
      const written = await writeReport(store, { out });
      console.log(`report: ${written.html} (table: ${written.csv}, ${written.json})`);
    } catch (error) {
      console.error(`cannot write the report of ${store}: ${(error as Error).message}`);
      return 1;
    }
  }
  if (index && out === undefined) {
    for (const parent of new Set(stores.map((s) => dirname(s.replace(/\/+$/, ""))))) {
      console.log(`index: ${await writeIndex(parent)}`);
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
