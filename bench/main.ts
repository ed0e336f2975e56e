/**
 * `deno task bench [SWEEP] [flags]`: runs a sweep (default `sweeps/quickstart.jsonc`);
 * `deno task bench merge OUT STORE...`: merges shard stores. See {@link USAGE}.
 *
 * @module
 */
import { intFlag, parseCliArgs, USAGE } from "./cli_args.ts";
import { parseGpuList } from "./devices.ts";
import { mergeStores } from "./merge.ts";
import { parseShard } from "./plan.ts";
import { DEFAULT_RUNNER } from "./runner.ts";
import { runSweep } from "./run_sweep.ts";

/** The default sweep. */
export const QUICKSTART = new URL("../sweeps/quickstart.jsonc", import.meta.url).pathname;

/** Runs the command line; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCliArgs(args);
    if (parsed.flags.help) return console.log(USAGE), 0;
    if (parsed.positional[0] === "merge") {
      const [, out, ...sources] = parsed.positional;
      if (!out || sources.length === 0) throw new Error("merge needs OUT and at least one STORE");
      const summary = await mergeStores(out, sources);
      console.log(
        `merged ${sources.length} stores into ${out}: ${summary.jobs} jobs, ` +
          `${summary.samples} samples, ${summary.duplicates} duplicate job records left out`,
      );
      return 0;
    }
    if (parsed.positional.length > 1) throw new Error("give one sweep file");
    const flags = parsed.flags;
    const text = (name: string) => flags[name] === undefined ? undefined : String(flags[name]);
    return await runSweep({
      file: parsed.positional[0] ?? QUICKSTART,
      runner: text("runner") ?? DEFAULT_RUNNER,
      out: text("out"),
      dryRun: flags["dry-run"] === true,
      resume: flags.resume === true,
      retryFailed: flags["retry-failed"] === true,
      gpus: flags.cpu ? "none" : flags.gpus ? parseGpuList(String(flags.gpus)) : undefined,
      workersPerGpu: intFlag(parsed, "workers-per-gpu", 1),
      cpuWorkers: intFlag(parsed, "cpu-workers", 1),
      retries: intFlag(parsed, "retries", 0),
      timeoutSeconds: intFlag(parsed, "timeout", 1),
      batchSize: intFlag(parsed, "batch-size", 1),
      shard: flags.shard ? parseShard(String(flags.shard)) : undefined,
      live: Deno.stdout.isTerminal() && !flags.plain,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
