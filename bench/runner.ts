/**
 * What a runner module gives the harness: the tasks it knows and a way to run jobs.
 * The worker process imports one (bench/run_job.ts by default, a fake one in tests).
 *
 * @module
 */
import type { Mode } from "../engine/types.ts";
import type { TaskResult } from "../tasks/types.ts";
import type { Job } from "./plan.ts";
import type { SampleExperts } from "./sample_experts.ts";

/** A task as the sweep file may name it. */
export interface TaskInfo {
  /** Task name. */
  name: string;
  /** Task version; it is part of each job's id. */
  version: string;
  /** Modes the task can run in. */
  modes: Mode[];
}

/** One sample a job scored (the task's SampleRecord). */
export interface SampleData {
  /** The prompt's id within the task. */
  id: string;
  /** The prompt text. */
  prompt: string;
  /** The reference answer, if any. */
  reference?: string;
  /** The model's output, for generation tasks. */
  output?: string;
  /** Per-sample metrics. */
  metrics: Record<string, number>;
  /** Expert facts, when the job's `analysis.experts` is on (bench/expert_observer.ts). */
  experts?: SampleExperts;
}

/** What a finished job reports: the task's result, and where the time went. */
export interface JobOutput extends Pick<TaskResult, "metrics" | "samples" | "skipped" | "timings"> {
  /**
   * Milliseconds spent getting ready for this job: opening the model, and for a worker's first job
   * its start and modules (0 when all were ready).
   */
  loadMs: number;
  /** Milliseconds the job spent inside engine calls (the rest is the harness's). */
  engineMs?: number;
  /** The engine's build id, if known. */
  engineBuild?: string;
}

/** Runs jobs inside one worker process; keeps a model open between jobs of one model. */
export interface Runner {
  /**
   * Runs a job, calling `onSample` for each sample as it is scored, and `onLoad` when it starts
   * and finishes opening a model (that time is not the job's).
   */
  run(
    job: Job,
    onSample: (sample: SampleData) => Promise<void>,
    onLoad?: (phase: "loading" | "loaded") => Promise<void>,
  ): Promise<JobOutput>;
  /** Releases what the runner holds (models, native memory). */
  close(): Promise<void> | void;
}

/** The exports a runner module must have. */
export interface RunnerModule {
  /** The tasks this runner can run. */
  taskCatalog(): Promise<TaskInfo[]> | TaskInfo[];
  /** Makes a runner bound to a device (`cpu` or `cuda:N`, as the worker sees it). */
  createRunner(context: { device: string }): Promise<Runner> | Runner;
}

/** The runner module the harness uses unless told otherwise. */
export const DEFAULT_RUNNER = new URL("./run_job.ts", import.meta.url).href;

/** Imports a runner module from a path or URL and checks its exports. */
export async function loadRunner(specifier: string): Promise<RunnerModule> {
  const url = /^[a-z]+:/.test(specifier)
    ? specifier
    : new URL(specifier, `file://${Deno.cwd()}/`).href;
  const module = await import(url);
  for (const name of ["taskCatalog", "createRunner"]) {
    if (typeof module[name] !== "function") {
      throw new Error(`runner module ${specifier} does not export a function ${name}()`);
    }
  }
  return module as RunnerModule;
}
