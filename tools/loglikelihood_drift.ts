/**
 * How far two runs' log-likelihoods lie apart, request by request, where both runs' sample
 * records keep them (tasks/recorded_request.ts): the largest absolute difference over a job's
 * requests, and whether a sample whose metrics differ between the runs is a near tie — every one
 * of its requests scored within a tolerance of the other run's, so that rounding alone (bf16 on a
 * GPU, products of another batch shape) can have turned its choice.
 *
 * @module
 */
import type { StoredSample } from "../bench/records.ts";

/** Log-likelihoods present in both runs, and how far apart they lie at most. */
export interface Drift {
  /** Requests scored in both runs. */
  requests: number;
  /** Largest |log-likelihood in A − in B| among them (natural log). */
  largest: number;
}

/**
 * |A − B| for each request of one sample, in order; undefined when the samples have different
 * requests or either lacks a log-likelihood (generation tasks, older records).
 *
 * @example
 * ```ts
 * import { requestDifferences } from "./loglikelihood_drift.ts";
 * const sample = (ll: number) => ({
 *   type: "sample" as const, jobId: "j", attempt: 1, id: "0", prompt: "p", metrics: {},
 *   requests: [{ continuation: " a", loglikelihood: ll, greedy: false }],
 * });
 * console.assert(requestDifferences(sample(-2), sample(-2.5))![0] === 0.5);
 * ```
 */
export function requestDifferences(a: StoredSample, b: StoredSample): number[] | undefined {
  const x = a.requests ?? [], y = b.requests ?? [];
  if (x.length === 0 || x.length !== y.length) return undefined;
  const differences: number[] = [];
  for (const [i, request] of x.entries()) {
    const [p, q] = [request.loglikelihood, y[i].loglikelihood];
    if (p === undefined || q === undefined || request.continuation !== y[i].continuation) {
      return undefined;
    }
    differences.push(Object.is(p, q) ? 0 : Math.abs(p - q));
  }
  return differences;
}

/** The drift over a job's samples in both runs (matched by id), or undefined when none has both. */
export function jobDrift(a: StoredSample[], b: StoredSample[]): Drift | undefined {
  const inB = new Map(b.map((sample) => [sample.id, sample]));
  let requests = 0, largest = 0;
  for (const sample of a) {
    const other = inB.get(sample.id);
    const differences = other && requestDifferences(sample, other);
    if (!differences) continue;
    requests += differences.length;
    for (const d of differences) largest = Number.isNaN(d) ? Infinity : Math.max(largest, d);
  }
  return requests > 0 ? { requests, largest } : undefined;
}

/**
 * Whether every request of the sample scored within `tolerance` (absolute, natural log) in both
 * runs: false when the tolerance is 0 or a log-likelihood is missing.
 */
export function isNearTie(a: StoredSample, b: StoredSample, tolerance: number): boolean {
  if (!(tolerance > 0)) return false;
  const differences = requestDifferences(a, b);
  return differences !== undefined && differences.every((d) => d <= tolerance);
}
