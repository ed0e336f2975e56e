/**
 * Log-likelihood of a continuation given a context, in GRIFFIN's two modes:
 * `gen` — the context is the prompt phase, each continuation token a teacher-forced
 * generation-phase token; `class` — lm-evaluation-harness's single pass over
 * context + continuation[:-1], the experts used at the last position only.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import { ContinuationScores } from "./continuation_scores.ts";
import { layerDensities } from "./densities.ts";
import { sessionExperts } from "./experts.ts";
import { timingsOf } from "./generate.ts";
import { TeacherForcing } from "./teacher_forcing.ts";
import type { ScoreRequest, ScoreResult } from "./types.ts";

export { logSoftmax } from "./log_softmax.ts";

/**
 * Throws a RangeError naming what a request gets wrong for a session: an empty context or
 * continuation, or more positions than the session holds.
 *
 * @example
 * ```ts ignore
 * checkScoreRequest(session, { contextIds: [], continuationIds: [5], mode: "gen", griffin });
 * // RangeError: the context is empty
 * ```
 */
export function checkScoreRequest(session: NativeSession, request: ScoreRequest): void {
  const { contextIds, continuationIds } = request;
  if (contextIds.length === 0) throw new RangeError("the context is empty");
  if (continuationIds.length === 0) throw new RangeError("the continuation is empty");
  const total = contextIds.length + continuationIds.length - 1;
  if (total > session.maxPositions) {
    throw new RangeError(
      `context and continuation need ${total} positions but the model takes at most ${session.maxPositions}`,
    );
  }
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
  checkScoreRequest(session, request);
  if (request.mode === "gen") {
    const forcing = new TeacherForcing(session, request);
    for (let token = forcing.next(); token !== undefined; token = forcing.next()) {
      const start = performance.now();
      if (forcing.feedScore) { // only the target's score crosses
        const scored = session.decodeScore(token, forcing.target());
        forcing.feedScore(scored, performance.now() - start);
      } else {
        const logits = session.decode(token);
        forcing.feed(logits, performance.now() - start);
      }
    }
    return forcing.result();
  }
  const { contextIds, continuationIds, griffin } = request;
  const { config } = session.model;
  const input = [...contextIds, ...continuationIds.slice(0, -1)];
  if (input.length < 2) {
    throw new RangeError(
      "mode class needs at least 2 input tokens (context + continuation[:-1])",
    );
  }
  session.reset();
  session.setGriffin(layerDensities(griffin.density, config.layers), griffin.method, griffin.seed);
  const logits = session.forwardClass(new Int32Array(input));
  const scores = new ContinuationScores(config.vocabSize, request.keepDistributions);
  for (let i = 0; i < continuationIds.length; i++) {
    scores.take(logits, (contextIds.length - 1 + i) * config.vocabSize, continuationIds[i]);
  }
  const { promptMs, selectionMs } = session.timings();
  return scores.result(sessionExperts(session), timingsOf(promptMs, selectionMs, []));
}
