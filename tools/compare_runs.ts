/**
 * `deno task compare A B [--markdown FILE] [--loglikelihood-tolerance X]`: two result stores of
 * one sweep (`deno task bench
 * SWEEP --out DIR`) side by side, e.g. `--batch-size 1` (one request per engine call) against
 * packed batches. Per job in both: the metrics of each, the wall times (model loading excluded)
 * and A/B, the engine/harness split and the harness share of the wall time; then the totals.
 * The metrics must be equal (relative 1e-9), each sample's too: a metric that differs, or a job
 * missing or failed in one store, is a `MISMATCH` line and exit code 1. Where the records keep
 * each request's log-likelihood, the largest difference between the runs is printed; with
 * `--loglikelihood-tolerance X` a job whose samples differ only where every request scored within
 * X of the other run's (near ties: rounding, e.g. 2e-3 for bf16 on a GPU) is a `NEAR-TIE` line,
 * not a mismatch. A bad command line or an unreadable store is one line and exit code 2.
 *
 * @module
 */
import { readStore } from "../bench/records.ts";
import { parseFlags, UsageError } from "./cli_args.ts";
import { comparisonMarkdown, comparisonText } from "./comparison_tables.ts";
import { compareRuns } from "./run_comparison.ts";

const USAGE =
  "usage: deno task compare STORE_A STORE_B [--markdown FILE] [--loglikelihood-tolerance X]";
const VALUED = ["--markdown", "--loglikelihood-tolerance"];

/** Runs the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const isStore = args.map((arg, i) => !arg.startsWith("--") && !VALUED.includes(args[i - 1]));
    const stores = args.filter((_, i) => isStore[i]);
    const flags = parseFlags(args.filter((_, i) => !isStore[i]), {
      markdown: "string",
      "loglikelihood-tolerance": "number",
    });
    if (stores.length !== 2) throw new UsageError(`give two result folders. ${USAGE}`);
    const tolerance = (flags["loglikelihood-tolerance"] as number | undefined) ?? 0;
    if (tolerance < 0) throw new UsageError("--loglikelihood-tolerance must be 0 or more");
    const [a, b] = stores;
    const comparison = compareRuns(await readStore(a), await readStore(b), {
      loglikelihoodTolerance: tolerance,
    });
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
