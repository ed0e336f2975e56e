/**
 * Many gen-mode log-likelihood requests at once: each context's prompt phase on a session of its
 * own (its own experts), then the teacher-forced continuations of all of them advanced together,
 * one engine call a step (gf_decode_batch). Requests of different lengths finish independently and
 * a freed session takes the next request. A request's result is what `score` gives it alone; a
 * token's time is its step's, shared by the step's sequences.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import { decodeTogether } from "./decode_together.ts";
import { checkScoreRequest } from "./score.ts";
import { TeacherForcing } from "./teacher_forcing.ts";
import type { ScoreRequest, ScoreResult } from "./types.ts";

/**
 * Scores every gen-mode request on at most `sessions.length` sessions at once; results in the
 * requests' order. Every request is checked as `score` checks it before any runs. `experts`
 * false leaves each result's experts null (see BatchLimits.experts). Requests that keep no
 * distributions take their tokens' scores from the engine (gf_decode_batch_scores) unless
 * `onDevice` is false, which brings each step's logits to the host (the same scores to ~1e-15).
 *
 * @example
 * ```ts ignore
 * const results = scoreGenBatch(sessions, requests); // each request's mode is "gen"
 * ```
 */
export function scoreGenBatch(
  sessions: NativeSession[],
  requests: ScoreRequest[],
  options: { experts?: boolean; onDevice?: boolean } = {},
): ScoreResult[] {
  if (requests.length === 0) return [];
  if (sessions.length === 0) throw new RangeError("scoring together needs at least one session");
  const narrowest = sessions.reduce((a, s) => s.maxPositions < a.maxPositions ? s : a);
  for (const r of requests) {
    if (r.mode !== "gen") throw new RangeError(`scoreGenBatch takes mode gen, not ${r.mode}`);
    checkScoreRequest(narrowest, r);
  }
  return decodeTogether(
    sessions,
    requests.length,
    (session, i) => new TeacherForcing(session, requests[i], options.experts ?? true),
    options.onDevice ?? true,
  );
}
