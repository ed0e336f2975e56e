/**
 * The plan: a sweep's cross product of models × tasks × modes × densities × methods × repeats,
 * less its exclusions, as jobs with stable ids, grouped by model.
 *
 * @module
 */
import type { Mode, SelectionMethod } from "../engine/types.ts";
import { isExcluded } from "./exclusions.ts";
import { jobIdOf } from "./job_id.ts";
import type { Sweep, SweepModel } from "./sweep_file.ts";

/** One run: a model, a task in a mode, a density, a method, a repeat. */
export interface Job {
  /** Stable id (see {@link jobDefinition}). */
  jobId: string;
  /** Position in the plan, from 0. */
  index: number;
  /** The sweep's name. */
  sweep: string;
  /** The model. */
  model: SweepModel;
  /** The group (the model's label): a worker keeps one group's model open. */
  group: string;
  /** Task name, version and options. */
  task: { name: string; version: string; options: Record<string, unknown> };
  /** Density. */
  density: number;
  /** Selection method (at density 1, the first one the sweep keeps; it makes no difference). */
  method: SelectionMethod;
  /** Mode. */
  mode: Mode;
  /** GRIFFIN seed: the sweep's seed plus the repeat. */
  seed: number;
  /** Repeat index. */
  repeat: number;
  /** Time limit in seconds (the job's own work; loading its model has loadTimeoutSeconds). */
  timeoutSeconds: number;
  /** Time limit in seconds for opening the job's model, when the worker must. */
  loadTimeoutSeconds?: number;
  /** Engine batch limits (not part of the job's identity: they do not change its results). */
  batch?: { maxTokens?: number; maxSequences?: number; generation?: boolean };
  /**
   * What to record beyond metrics (not part of the job's id): `experts`, each sample's expert
   * facts; `activations`, also the first sample's prompt activations (one job per model).
   */
  analysis?: { experts: boolean; activations?: boolean };
}

/**
 * What defines a job, and so its id: model id, dtype and options; task name, version and
 * options; density; method (none at density 1, where it makes no difference); mode; seed;
 * repeat. Labels, the sweep's name and time limits are not part of it.
 */
export function jobDefinition(job: Omit<Job, "jobId" | "index">): unknown {
  return {
    model: { id: job.model.id, dtype: job.model.dtype, options: job.model.options },
    task: job.task,
    density: job.density,
    method: job.density === 1 ? null : job.method,
    mode: job.mode,
    seed: job.seed,
    repeat: job.repeat,
  };
}

/** Expands a sweep into its jobs, in plan order (model, task, mode, density, method, repeat). */
export async function planJobs(sweep: Sweep): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const model of sweep.models) {
    for (const task of sweep.tasks) {
      for (const mode of task.modes) {
        for (const density of sweep.densities) {
          for (let repeat = 0; repeat < sweep.repeats; repeat++) {
            const methods = sweep.methods.filter((method) =>
              !isExcluded(sweep.exclusions, {
                model: [model.label, model.id],
                task: task.name,
                density,
                method,
                mode,
                repeat,
              })
            );
            // At density 1 every method is the full model: one job, not one per method.
            for (const method of density === 1 ? methods.slice(0, 1) : methods) {
              const job = {
                sweep: sweep.name,
                model,
                group: model.label,
                task: { name: task.name, version: task.version, options: task.options },
                density,
                method,
                mode,
                seed: sweep.seed + repeat,
                repeat,
                timeoutSeconds: sweep.timeoutSeconds,
                loadTimeoutSeconds: sweep.loadTimeoutSeconds,
                ...(sweep.batch ? { batch: sweep.batch } : {}),
              };
              jobs.push({ jobId: await jobIdOf(jobDefinition(job)), index: jobs.length, ...job });
            }
          }
        }
      }
    }
  }
  if (sweep.analysis?.experts) markAnalysis(jobs);
  return jobs;
}

/**
 * Asks every job below density 1 for expert facts, and one job per model for the prompt
 * activations of its first sample: the first with a score-based method, in `gen` mode if any.
 */
function markAnalysis(jobs: Job[]): void {
  const pruned = jobs.filter((job) => job.density < 1);
  for (const job of pruned) job.analysis = { experts: true };
  for (const group of new Set(pruned.map((job) => job.group))) {
    const mine = pruned.filter((job) => job.group === group && job.method !== "magnitude");
    const pick = mine.find((job) => job.mode === "gen") ?? mine[0];
    if (pick) pick.analysis = { experts: true, activations: true };
  }
}

/** Jobs by group, groups in plan order. */
export function groupJobs(jobs: readonly Job[]): Map<string, Job[]> {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) groups.set(job.group, [...(groups.get(job.group) ?? []), job]);
  return groups;
}

/** A shard `i/n` (0 ≤ i < n) of the command line. */
export interface Shard {
  /** This shard's index, from 0. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** Parses `i/n`; throws a sentence when it is not a shard. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new Error(`--shard ${text}: expected i/n with 0 ≤ i < n, e.g. 0/4 (shards count from 0)`);
  }
  return { index, count };
}

/**
 * The jobs of one shard: the plan cut into n contiguous runs of near-equal length, so shards
 * partition the plan exactly and each keeps its models together.
 */
export function shardJobs<T>(jobs: readonly T[], shard: Shard): T[] {
  const start = Math.floor((shard.index * jobs.length) / shard.count);
  const end = Math.floor(((shard.index + 1) * jobs.length) / shard.count);
  return jobs.slice(start, end);
}
