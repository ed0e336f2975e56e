/**
 * Helpers for the harness's end-to-end tests: run the sample sweep with the fake runner into a
 * temporary store, and count what the store holds.
 *
 * @module
 */
import { readStore, RECORDS_FILE } from "../records.ts";
import { runSweep, type SweepRunOptions } from "../run_sweep.ts";

/** The fake runner module. */
export const FAKE_RUNNER = new URL("./fake_runner.ts", import.meta.url).href;
/** The sample sweep: 14 jobs of 2 samples each. */
export const SAMPLE_SWEEP = new URL("./sample_sweep.jsonc", import.meta.url).pathname;

/** Runs a sweep with the fake runner, `script` as its FAKE_RUNNER; returns exit code and log. */
export async function runFake(
  options: Partial<SweepRunOptions> & { out: string },
  script: unknown = {},
): Promise<{ code: number; log: string[] }> {
  const log: string[] = [];
  // the script goes to this sweep's workers only: test files run in parallel in one process,
  // so the process environment is no place for it
  const code = await runSweep({
    file: SAMPLE_SWEEP,
    runner: FAKE_RUNNER,
    gpus: "none",
    print: (text) => log.push(text),
    workerEnv: { FAKE_RUNNER: JSON.stringify(script) },
    ...options,
  });
  return { code, log };
}

/** What a store holds, raw and as results. */
export async function countStore(dir: string) {
  const lines = (await Deno.readTextFile(`${dir}/${RECORDS_FILE}`)).split("\n").filter(Boolean);
  const raw = lines.map((line) => JSON.parse(line));
  const { jobs, samples } = await readStore(dir);
  return {
    lines: raw.length,
    jobLines: raw.filter((r) => r.type === "job").length,
    jobs,
    distinctJobs: new Set(jobs.map((j) => j.jobId)).size,
    samples: [...samples.values()].reduce((n, list) => n + list.length, 0),
    ok: jobs.filter((j) => j.status === "ok").length,
    failed: jobs.filter((j) => j.status === "failed"),
  };
}
