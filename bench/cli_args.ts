/**
 * The command line of `deno task bench`: flags checked with "did you mean" errors.
 *
 * @module
 */
import { suggestion } from "./did_you_mean.ts";

/** Flags that take a value. */
export const VALUE_FLAGS = [
  "out",
  "gpus",
  "workers-per-gpu",
  "cpu-workers",
  "retries",
  "timeout",
  "batch-size",
  "shard",
  "runner",
] as const;
/** Flags that are on or off. */
export const SWITCH_FLAGS = ["dry-run", "resume", "retry-failed", "cpu", "plain", "help"] as const;

/** Parsed command line: positional arguments and flags by name. */
export interface CliArgs {
  /** Arguments that are not flags, in order. */
  positional: string[];
  /** Flag values (`true` for switches). */
  flags: Record<string, string | true>;
}

/** Parses `args`; throws a sentence naming an unknown or incomplete flag. */
export function parseCliArgs(args: readonly string[]): CliArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  const known = [...VALUE_FLAGS, ...SWITCH_FLAGS] as readonly string[];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!known.includes(name)) throw new Error(`unknown flag --${name}${suggestion(name, known)}`);
    if ((SWITCH_FLAGS as readonly string[]).includes(name)) {
      flags[name] = true;
    } else if (inline !== undefined) {
      flags[name] = inline;
    } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
      flags[name] = args[++i];
    } else {
      throw new Error(`--${name} needs a value`);
    }
  }
  return { positional, flags };
}

/** A flag's value as a whole number ≥ `min`, or undefined when absent. */
export function intFlag(args: CliArgs, name: string, min: number): number | undefined {
  const value = args.flags[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value === true || !Number.isInteger(n) || n < min) {
    throw new Error(`--${name} ${value}: expected a whole number ≥ ${min}`);
  }
  return n;
}

/** The usage text. */
export const USAGE = `usage:
  deno task bench [SWEEP] [flags]     run a sweep (default: sweeps/quickstart.jsonc)
  deno task bench merge OUT STORE...  merge the stores of shards into OUT

flags:
  --dry-run             print the plan (jobs, grouping, estimated work) and exit
  --resume              continue the sweep's store, skipping finished jobs
  --retry-failed        with --resume, run jobs recorded as failed again
  --out DIR             result folder (default results/NAME, results/NAME/shard-I-of-N)
  --gpus all|none|0,2   GPUs to use (default: all that nvidia-smi lists)
  --cpu                 run on the CPU even when there are GPUs (same as --gpus none)
  --workers-per-gpu N   worker processes per GPU (small models)
  --cpu-workers N       worker processes when running on the CPU (default 1)
  --retries N           extra attempts for a failed job
  --timeout SECONDS     time limit per job
  --batch-size N        requests per engine call in class-mode scoring (1: one at a time)
  --shard I/N           run share I of N (0 ≤ I < N) of the jobs
  --runner MODULE       runner module (default bench/run_job.ts)
  --plain               log lines even on a terminal

exit code: 0 every job ok, 1 some job failed, 2 bad sweep file or command line (nothing run)`;
