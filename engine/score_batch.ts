/**
 * Many log-likelihood requests in few engine calls: class-mode requests with the same GRIFFIN
 * settings go to the engine as packed batches (each sequence with its own experts, its
 * log-probabilities computed on the engine's side), in order of length under a token budget;
 * gen-mode requests, given a session pool, decode their teacher-forced continuations together
 * (scoreGenBatch); the rest (class mode with distributions kept, gen mode without a pool, one
 * sequence at a time, or a request `score` refuses) run one at a time. Results come back in the
 * requests' order and equal what `score` gives each alone.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import { layerDensities } from "./densities.ts";
import { timingsOf } from "./generate.ts";
import { score } from "./score.ts";
import { scoreGenBatch } from "./score_gen_batch.ts";
import type { GriffinOptions, ScoreRequest, ScoreResult } from "./types.ts";

/** How large one engine call may be. */
export interface BatchLimits {
  /** Tokens in one call (at most the session's positions; default: those). */
  maxTokens?: number;
  /**
   * Sequences in one call (default 64 when scoring in mode class, 16 when decoding: generating or
   * scoring in mode gen; 1: one at a time).
   */
  maxSequences?: number;
  /**
   * Copy each batched request's experts out of the engine into its result (default true). The
   * sweep harness reads none and passes false: at density 0.5 a batch of 64 holds ~45 MB of them.
   * Without them a batched result's `experts` is null (in mode class and mode gen alike).
   */
  experts?: boolean;
  /** Generation tasks decode their samples together (LanguageModel.generatesTogether). */
  generation?: boolean;
}

/**
 * Up to `count` sessions of the scoring session's model, for decoding together: fewer when the
 * device holds fewer (EngineModel keeps them between calls).
 */
export type SessionPool = (count: number) => NativeSession[];

/** The class-mode input of a request: context + continuation[:-1]. */
function classInput(r: ScoreRequest): number[] {
  return [...r.contextIds, ...r.continuationIds.slice(0, -1)];
}

/** Its length. */
function classLength(r: ScoreRequest): number {
  return r.contextIds.length + r.continuationIds.length - 1;
}

function sameGriffin(a: GriffinOptions, b: GriffinOptions): boolean {
  return a.density === b.density && a.method === b.method && a.seed === b.seed;
}

/**
 * Groups request indices into batches: by length (longest first), at most maxSequences each and
 * maxTokens tokens in all; a request alone over maxTokens is an error naming both.
 *
 * @example
 * ```ts
 * import { planBatches } from "./score_batch.ts";
 * console.assert(planBatches([5, 3, 4], 8, 2).length === 2);
 * ```
 */
export function planBatches(
  lengths: number[],
  maxTokens: number,
  maxSequences: number,
): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let current: number[] = [], tokens = 0;
  for (const i of order) {
    if (lengths[i] > maxTokens) {
      throw new RangeError(
        `a request of ${lengths[i]} tokens does not fit a batch of at most ${maxTokens} tokens`,
      );
    }
    if (current.length >= maxSequences || tokens + lengths[i] > maxTokens) {
      batches.push(current);
      current = [], tokens = 0;
    }
    current.push(i);
    tokens += lengths[i];
  }
  if (current.length) batches.push(current);
  return batches;
}

/** Most gen-mode requests decoded together (each holds a session of the model's full context). */
export const GEN_DECODE_WIDTH = 16;

/**
 * Scores every request, batching the class-mode ones and, given a session pool, the gen-mode ones.
 *
 * @example
 * ```ts ignore
 * const results = scoreBatch(session, requests, { maxSequences: 32 });
 * ```
 */
export function scoreBatch(
  session: NativeSession,
  requests: ScoreRequest[],
  limits: BatchLimits = {},
  pool?: SessionPool,
): ScoreResult[] {
  const maxSequences = Math.max(1, limits.maxSequences ?? 64);
  const maxTokens = Math.min(limits.maxTokens ?? session.maxPositions, session.maxPositions);
  // gen mode decodes on sessions of full context length: at most GEN_DECODE_WIDTH of them, so a
  // class batch's maxSequences does not fill the device with sessions
  const decodeWidth = Math.max(
    1,
    Math.min(limits.maxSequences ?? GEN_DECODE_WIDTH, GEN_DECODE_WIDTH),
  );
  const results: ScoreResult[] = new Array(requests.length);
  const batchable = (r: ScoreRequest) =>
    r.mode === "class" && !r.keepDistributions && maxSequences > 1 &&
    r.continuationIds.length > 0 && classLength(r) >= 2 && classLength(r) <= maxTokens;
  const decodable = (r: ScoreRequest) =>
    r.mode === "gen" && pool !== undefined && decodeWidth > 1 && r.contextIds.length > 0 &&
    r.continuationIds.length > 0 && classLength(r) <= session.maxPositions;
  const lead = requests.find(batchable);
  const batched: number[] = [], decoded: number[] = [];
  requests.forEach((r, i) => {
    if (lead && batchable(r) && sameGriffin(r.griffin, lead.griffin)) batched.push(i);
    else if (decodable(r)) decoded.push(i);
    else results[i] = score(session, r); // alone: its own checks and errors
  });
  if (batched.length > 0) {
    scoreClassBatches(session, requests, batched, { ...limits, maxTokens, maxSequences }, results);
  }
  if (decoded.length > 0) {
    const width = Math.min(decodeWidth, decoded.length);
    const sessions = width > 1 ? pool!(width) : [];
    const scored = scoreGenBatch(
      sessions.length > 0 ? sessions : [session], // one request, or none to spare: on the session
      decoded.map((i) => requests[i]),
      { experts: limits.experts },
    );
    scored.forEach((r, k) => results[decoded[k]] = r);
  }
  return results;
}

/** Scores the class-mode requests at `batched` in packed batches, into `results`. */
function scoreClassBatches(
  session: NativeSession,
  requests: ScoreRequest[],
  batched: number[],
  limits: BatchLimits & { maxTokens: number; maxSequences: number },
  results: ScoreResult[],
): void {
  const { maxTokens, maxSequences } = limits;
  const layers = session.model.config.layers;
  const inputs = batched.map((i) => classInput(requests[i]));
  for (const batch of planBatches(inputs.map((x) => x.length), maxTokens, maxSequences)) {
    const griffin = requests[batched[batch[0]]].griffin;
    const densities = layerDensities(griffin.density, layers);
    session.setGriffin(densities, griffin.method, griffin.seed);
    const started = performance.now();
    const scored = session.scoreClassBatch(batch.map((j) => {
      const r = requests[batched[j]];
      return { ids: inputs[j], first: r.contextIds.length - 1, targets: r.continuationIds };
    }));
    const ms = performance.now() - started;
    const tokens = batch.reduce((s, j) => s + inputs[j].length, 0);
    const expertsOfBatch = (limits.experts ?? true)
      ? batchExperts(session, densities, batch.length)
      : undefined;
    batch.forEach((j, b) => {
      const { logprobs, greedy } = scored[b];
      const result: ScoreResult = {
        loglikelihood: logprobs.reduce((s, x) => s + x, 0),
        logprobs,
        greedy: greedy.every((g) => g),
        experts: null,
        // the call's time, shared by tokens
        timings: timingsOf(ms * inputs[j].length / tokens, 0, []),
      };
      if (expertsOfBatch) {
        // experts become number arrays only when read (a batch holds millions of them)
        let experts: ScoreResult["experts"] | undefined;
        Object.defineProperty(result, "experts", {
          enumerable: true,
          get: () => (experts ??= expertsOfBatch(b)),
        });
      }
      results[batched[j]] = result;
    });
  }
}

/**
 * The last batch's experts copied out of the engine in one call; sequence b's per layer, from
 * that copy, when asked.
 */
function batchExperts(
  session: NativeSession,
  densities: number[],
  sequences: number,
): (b: number) => ScoreResult["experts"] {
  const layers = densities.length, ff = session.model.config.ffSize;
  const capacity = densities.reduce((s, d) => s + Math.floor(ff * d) + 1, 0) * sequences;
  const all = session.batchExpertsAll(sequences, capacity);
  const starts: number[][] = []; // where each (layer, sequence)'s experts begin in all.data
  for (let l = 0, at = 0; l < layers; l++) {
    starts.push([]);
    for (let b = 0; b < sequences; b++) {
      starts[l].push(at);
      at += Math.max(0, all.counts[l * sequences + b]);
    }
  }
  return (b) => expertsOf(all, starts, sequences, b, layers);
}

/** Sequence b's experts per layer out of a batch's bulk copy (null when no layer selected). */
function expertsOf(
  all: { counts: Int32Array; data: Int32Array },
  starts: number[][],
  sequences: number,
  b: number,
  layers: number,
): ScoreResult["experts"] {
  const experts: (number[] | null)[] = [];
  for (let l = 0; l < layers; l++) {
    const k = all.counts[l * sequences + b];
    experts.push(k < 0 ? null : Array.from(all.data.subarray(starts[l][b], starts[l][b] + k)));
  }
  return experts.every((e) => e === null) ? null : experts;
}
