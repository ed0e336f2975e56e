/**
 * Two runs of one sweep side by side (e.g. one request per engine call against packed batches,
 * issue #16): per job in both, the metrics of each (which must be equal), the wall time of each
 * (model loading excluded) and its engine/harness split; then totals. Where both stores hold
 * a job's samples, each sample's metrics must be equal too, and where their records keep each
 * request's log-likelihood, the largest difference between the runs is given; with a tolerance,
 * samples whose metrics differ while every request scored within it of the other run's are near
 * ties (rounding, e.g. bf16 on a GPU), reported apart from the problems. Jobs are matched by what
 * defines them (model, task and options, density, method, mode, seed, repeat), so engine batch
 * limits and the sweep's name may differ.
 *
 * @module
 */
import { canonicalJson } from "../bench/job_id.ts";
import type { JobRecord, StoreContents, StoredSample } from "../bench/records.ts";
import { type Drift, isNearTie, jobDrift } from "./loglikelihood_drift.ts";

/** Largest relative difference two metric values may have and still count as equal. */
export const METRIC_TOLERANCE = 1e-9;

/** One metric of a job in both runs (undefined where a run lacks it). */
export interface MetricPair {
  name: string;
  a?: number;
  b?: number;
  equal: boolean;
}

/** A job's timings in one run, in milliseconds; the split is absent in older records. */
export interface JobTimes {
  /** The job's wall time, model loading excluded. */
  wallMs: number;
  /** Opening the model before the job (0 when it was open). */
  loadMs: number;
  /** Of wallMs, inside engine calls. */
  engineMs?: number;
  /** Of wallMs, the rest (tokenising, metrics, records, messages). */
  harnessMs?: number;
}

/** One job that finished `ok` in both runs. */
export interface JobComparison {
  /** `MODEL TASK/MODE d=DENSITY METHOD rREPEAT`. */
  label: string;
  metrics: MetricPair[];
  a: JobTimes;
  b: JobTimes;
  /** How far the runs' log-likelihoods lie apart, where both keep them. */
  drift?: Drift;
}

/** Sums over the compared jobs of one run. */
export interface RunTotals {
  wallMs: number;
  loadMs: number;
  /** Sums of the split, or undefined when some job lacks it. */
  engineMs?: number;
  harnessMs?: number;
}

/** The whole comparison. */
export interface RunComparison {
  jobs: JobComparison[];
  /** One sentence per problem: a metric that differs, a job missing or failed in one run. */
  problems: string[];
  /** One sentence per job whose metrics differ only through near ties (see CompareOptions). */
  nearTies: string[];
  /** The tolerance the near ties were judged by (0: none). */
  tolerance: number;
  a: RunTotals;
  b: RunTotals;
}

/** How {@link compareRuns} judges samples whose metrics differ. */
export interface CompareOptions {
  /**
   * Largest |log-likelihood in A − in B| (natural log) of every request of a sample for its
   * differing metrics to count as a near tie, not a problem (default 0: none do). The GPU checks
   * hold batched bf16 scores to 2e-3 of one-at-a-time ones.
   */
  loglikelihoodTolerance?: number;
}

/**
 * A job's short name for tables.
 *
 * @example
 * ```ts
 * import { jobRecord } from "../bench/testing/job_record.ts";
 * import { jobLabel } from "./run_comparison.ts";
 * console.assert(jobLabel(jobRecord({ density: 0.5 })) === "stories260K piqa/class d=0.5 topk r0");
 * ```
 */
export function jobLabel(job: JobRecord): string {
  return `${job.model.label} ${job.task.name}/${job.mode} d=${job.density} ${job.method} ` +
    `r${job.repeat}`;
}

function jobKey(job: JobRecord): string {
  const { model, task, density, method, mode, seed, repeat } = job;
  return canonicalJson({ model: model.id, task, density, method, mode, seed, repeat });
}

/**
 * Whether two metric values are equal within {@link METRIC_TOLERANCE} (relative).
 *
 * @example
 * ```ts
 * import { metricsEqual } from "./run_comparison.ts";
 * console.assert(metricsEqual(0.5, 0.5 + 1e-12) && !metricsEqual(0.5, 0.55));
 * ```
 */
export function metricsEqual(a: number, b: number): boolean {
  return Object.is(a, b) ||
    Math.abs(a - b) <= METRIC_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

function metricPairs(a: JobRecord, b: JobRecord): MetricPair[] {
  const names = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])];
  return names.map((name) => {
    const x = a.metrics[name]?.value;
    const y = b.metrics[name]?.value;
    return { name, a: x, b: y, equal: x !== undefined && y !== undefined && metricsEqual(x, y) };
  });
}

function times(job: JobRecord): JobTimes {
  const { wallMs, loadMs, engineMs, harnessMs } = job.timings;
  return { wallMs, loadMs, engineMs, harnessMs };
}

function totals(list: JobTimes[]): RunTotals {
  const sum = (f: (t: JobTimes) => number | undefined) =>
    list.some((t) => f(t) === undefined) ? undefined : list.reduce((s, t) => s + f(t)!, 0);
  return {
    wallMs: sum((t) => t.wallMs)!,
    loadMs: sum((t) => t.loadMs)!,
    engineMs: sum((t) => t.engineMs),
    harnessMs: sum((t) => t.harnessMs),
  };
}

/** Runs as compared: their final job records and, when known, each job's samples. */
export type Run = Pick<StoreContents, "jobs"> & Partial<Pick<StoreContents, "samples">>;

/**
 * A sentence about the samples of a job whose metrics differ between the runs (missing in B
 * counts), with the job's largest log-likelihood difference (drift) where known, and whether
 * every one of them is a near tie at `tolerance`; undefined when none differ.
 */
function sampleDifference(
  a: StoredSample[],
  b: StoredSample[],
  tolerance: number,
  drift: Drift | undefined,
): { sentence: string; nearTies: boolean } | undefined {
  const inB = new Map(b.map((sample) => [sample.id, sample]));
  const differ = a.filter((sample) => {
    const other = inB.get(sample.id)?.metrics;
    const names = new Set([...Object.keys(sample.metrics), ...Object.keys(other ?? {})]);
    return !other || [...names].some((n) => {
      const [x, y] = [sample.metrics[n], other[n]];
      return x === undefined || y === undefined || !metricsEqual(x, y);
    });
  });
  if (differ.length === 0) return undefined;
  const first = differ[0];
  return {
    sentence:
      `${differ.length} of ${a.length} samples differ (first: sample ${first.id}, A ${
        JSON.stringify(first.metrics)
      }, B ${JSON.stringify(inB.get(first.id)?.metrics ?? "missing")})` +
      (drift ? `; the largest log-likelihood difference: ${drift.largest.toExponential(2)}` : ""),
    nearTies: differ.every((s) => inB.has(s.id) && isNearTie(s, inB.get(s.id)!, tolerance)),
  };
}

/**
 * Compares the final job records of two stores (as {@link readStore} gives them) and, where
 * both have a job's samples, their per-sample metrics.
 *
 * @example
 * ```ts ignore
 * import { readStore } from "../bench/records.ts";
 * import { compareRuns } from "./run_comparison.ts";
 * const c = compareRuns(await readStore("/tmp/one"), await readStore("/tmp/batched"), {
 *   loglikelihoodTolerance: 2e-3,
 * });
 * console.log(c.problems.length === 0 ? "equal" : c.problems.join("\n"));
 * ```
 */
export function compareRuns(a: Run, b: Run, options: CompareOptions = {}): RunComparison {
  const tolerance = options.loglikelihoodTolerance ?? 0;
  const inB = new Map(b.jobs.map((job) => [jobKey(job), job]));
  const inA = new Set(a.jobs.map(jobKey));
  const jobs: JobComparison[] = [];
  const problems: string[] = [], nearTies: string[] = [];
  for (const x of a.jobs) {
    const label = jobLabel(x);
    const y = inB.get(jobKey(x));
    if (!y) {
      problems.push(`${label}: missing in B`);
      continue;
    }
    const failed = ([["A", x], ["B", y]] as const).filter(([, job]) => job.status !== "ok");
    for (const [run, job] of failed) {
      problems.push(`${label}: failed in ${run} (${job.error ?? "no reason given"})`);
    }
    if (failed.length > 0) continue;
    const metrics = metricPairs(x, y);
    const [samplesA, samplesB] = [a.samples?.get(x.jobId), b.samples?.get(y.jobId)];
    const drift = samplesA && samplesB ? jobDrift(samplesA, samplesB) : undefined;
    const sampled = samplesA && samplesB
      ? sampleDifference(samplesA, samplesB, tolerance, drift)
      : undefined;
    const differences = [
      ...metrics.filter((m) => !m.equal).map((m) =>
        `${m.name} differs: A ${m.a ?? "missing"}, B ${m.b ?? "missing"}`
      ),
      ...(sampled ? [sampled.sentence] : []),
    ];
    if (sampled?.nearTies && x.samples === y.samples) {
      nearTies.push(
        `${label}: ${differences.join("; ")}; every request of those samples scored within ` +
          `${tolerance} of the other run's`,
      );
    } else {
      problems.push(...differences.map((d) => `${label}: ${d}`));
    }
    if (x.samples !== y.samples) {
      problems.push(`${label}: samples differ: A ${x.samples}, B ${y.samples}`);
    }
    jobs.push({ label, metrics, a: times(x), b: times(y), ...(drift ? { drift } : {}) });
  }
  for (const y of b.jobs) if (!inA.has(jobKey(y))) problems.push(`${jobLabel(y)}: missing in A`);
  return {
    jobs,
    problems,
    nearTies,
    tolerance,
    a: totals(jobs.map((j) => j.a)),
    b: totals(jobs.map((j) => j.b)),
  };
}
