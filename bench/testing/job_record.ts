/**
 * A whole, valid {@link JobRecord} for tests, with the fields a test cares about overridden.
 *
 * @module
 */
import type { JobRecord } from "../records.ts";

/** Metric values by name, written as {@link JobRecord}'s metrics. */
export function metricsOf(values: Record<string, number>): JobRecord["metrics"] {
  return Object.fromEntries(
    Object.entries(values).map((
      [name, value],
    ) => [name, { value, stderr: 0, higherIsBetter: true }]),
  );
}

/**
 * An `ok` job record of stories260K on PIQA (class) at density 1; `overrides` replace fields,
 * `timings` fields are merged.
 *
 * @example
 * ```ts
 * import { jobRecord } from "./job_record.ts";
 * const job = jobRecord({ density: 0.5 }, { wallMs: 100 });
 * console.assert(job.density === 0.5 && job.timings.wallMs === 100 && job.status === "ok");
 * ```
 */
export function jobRecord(
  overrides: Partial<JobRecord> = {},
  timings: Partial<JobRecord["timings"]> = {},
): JobRecord {
  const base: JobRecord = {
    type: "job",
    schema: 1,
    jobId: "0000000000000000",
    sweep: "test",
    model: { id: "../shared/data/models/stories260K/hf", label: "stories260K" },
    task: { name: "piqa", version: "2", options: { limit: 20 } },
    density: 1,
    method: "topk",
    mode: "class",
    seed: 42,
    repeat: 0,
    status: "ok",
    metrics: metricsOf({ acc: 0.4, acc_norm: 0.5 }),
    timings: {
      promptMs: 5,
      selectionMs: 0,
      decodeMsPerToken: 0,
      tokensPerSecond: 0,
      generatedTokens: 0,
      wallMs: 400,
      loadMs: 100,
      engineMs: 300,
      harnessMs: 100,
    },
    samples: 20,
    skipped: 0,
    environment: {
      device: "cpu",
      deviceName: "test",
      deno: "2",
      os: "linux",
      host: "h",
      sweepHash: "0",
    },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    attempt: 1,
    worker: "cpu#0",
  };
  return { ...base, ...overrides, timings: { ...base.timings, ...timings } };
}
