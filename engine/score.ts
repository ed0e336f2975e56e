/**
 * Log-likelihood of a continuation given a context, in GRIFFIN's two modes:
 * `gen` — the context is the prompt phase, each continuation token a teacher-forced
 * generation-phase token; `class` — lm-evaluation-harness's single pass over
 * context + continuation[:-1], the experts used at the last position only.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import { layerDensities } from "./densities.ts";
import { sessionExperts } from "./experts.ts";
import { timingsOf } from "./generate.ts";
import { argmax } from "./sampler.ts";
import type { ScoreRequest, ScoreResult } from "./types.ts";

/**
 * log-softmax of `length` logits starting at offset, in float64.
 *
 * @example
 * ```ts
 * import { logSoftmax } from "./score.ts";
 * const row = logSoftmax(new Float32Array([0, 0]));
 * console.assert(Math.abs(row[0] - Math.log(0.5)) < 1e-12);
 * ```
 */
export function logSoftmax(logits: Float32Array, offset = 0, length = logits.length): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(logits[offset + i] - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = logits[offset + i] - logZ;
  return out;
}

/**
 * Scores one request on a session.
 *
 * @example
 * ```ts ignore
 * const { loglikelihood } = score(session, {
 *   contextIds: [1, 403], continuationIds: [407, 261], mode: "class",
 *   griffin: { density: 0.5, method: "topk", seed: 0 },
 * });
 * ```
 */
export function score(session: NativeSession, request: ScoreRequest): ScoreResult {
  const { contextIds, continuationIds, mode, griffin } = request;
  if (contextIds.length === 0) throw new RangeError("the context is empty");
  if (continuationIds.length === 0) throw new RangeError("the continuation is empty");
  const total = contextIds.length + continuationIds.length - 1;
  if (total > session.maxPositions) {
    throw new RangeError(
      `context and continuation need ${total} positions but the model takes at most ${session.maxPositions}`,
    );
  }
  const vocab = session.model.config.vocabSize;
  const logprobs: number[] = [];
  const distributions: Float32Array[] = [];
  let greedy = true;
  const take = (logits: Float32Array, offset: number, token: number) => {
    const row = logSoftmax(logits, offset, vocab);
    logprobs.push(row[token]);
    if (argmax(logits, offset, vocab) !== token) greedy = false;
    if (request.keepDistributions) distributions.push(Float32Array.from(row));
  };

  session.reset();
  session.setGriffin(
    layerDensities(griffin.density, session.model.config.layers),
    griffin.method,
    griffin.seed,
  );
  const tokenMs: number[] = [];
  if (mode === "gen") {
    let logits = session.prompt(new Int32Array(contextIds));
    take(logits, 0, continuationIds[0]);
    for (let i = 1; i < continuationIds.length; i++) {
      const start = performance.now();
      logits = session.decode(continuationIds[i - 1]);
      tokenMs.push(performance.now() - start);
      take(logits, 0, continuationIds[i]);
    }
  } else {
    const input = [...contextIds, ...continuationIds.slice(0, -1)];
    if (input.length < 2) {
      throw new RangeError(
        "mode class needs at least 2 input tokens (context + continuation[:-1])",
      );
    }
    const logits = session.forwardClass(new Int32Array(input));
    for (let i = 0; i < continuationIds.length; i++) {
      take(logits, (contextIds.length - 1 + i) * vocab, continuationIds[i]);
    }
  }
  const { promptMs, selectionMs } = session.timings();
  return {
    loglikelihood: logprobs.reduce((s, x) => s + x, 0),
    logprobs,
    greedy,
    experts: sessionExperts(session),
    ...(request.keepDistributions ? { distributions } : {}),
    timings: timingsOf(promptMs, selectionMs, tokenMs),
  };
}
