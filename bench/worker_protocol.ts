/**
 * The messages between the pool and a worker process: one JSON object per line.
 *
 * @module
 */
import type { Job } from "./plan.ts";
import type { JobOutput, SampleData } from "./runner.ts";

/** Pool to worker: run this job. */
export interface WorkerRequest {
  /** The job. */
  job: Job;
}

/**
 * Worker to pool: a model starts or finishes loading (the job's time limit stops while it loads;
 * the load has its own), a sample, a finished job, or a job that threw.
 */
export type WorkerReply =
  | { griffin: "loading"; jobId: string }
  | { griffin: "loaded"; jobId: string }
  | { griffin: "sample"; jobId: string; sample: SampleData }
  | { griffin: "done"; jobId: string; output: JobOutput }
  | { griffin: "error"; jobId: string; message: string };

/** Reads a stdout line as a reply; anything else (a stray print) is undefined. */
export function parseReply(line: string): WorkerReply | undefined {
  if (!line.startsWith('{"griffin":')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
