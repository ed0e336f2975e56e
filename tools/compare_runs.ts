/**
 * `deno task compare A B [--markdown FILE]`: two result stores of one sweep (`deno task bench
 * SWEEP --out DIR`) side by side, e.g. `--batch-size 1` (one request per engine call) against
 * packed batches. Per job in both: the metrics of each, the wall times (model loading excluded)
 * and A/B, the engine/harness split and the harness share of the wall time; then the totals.
 * The metrics must be equal (relative 1e-9), each sample's too: a metric that differs, or a job missing or failed
 * in one store, is a `MISMATCH` line and exit code 1. A bad command line or an unreadable store
 * is one line and exit code 2.
 *
 * @module
 */
import { readStore } from "../bench/records.ts";
import { parseFlags, UsageError } from "./cli_args.ts";
import { comparisonMarkdown, comparisonText } from "./comparison_tables.ts";
import { compareRuns } from "./run_comparison.ts";

const USAGE = "usage: deno task compare STORE_A STORE_B [--markdown FILE]";

/** Runs the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const stores = args.filter((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--markdown");
    const flags = parseFlags(args.filter((arg) => !stores.includes(arg)), { markdown: "string" });
    if (stores.length !== 2) throw new UsageError(`give two result folders. ${USAGE}`);
    const [a, b] = stores;
    const comparison = compareRuns(await readStore(a), await readStore(b));
    console.log(comparisonText(comparison, a, b));
    if (typeof flags.markdown === "string") {
      await Deno.writeTextFile(flags.markdown, comparisonMarkdown(comparison, a, b));
    }
    return comparison.problems.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(`error: ${(error as Error).message.split("\n")[0]}`);
    return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
