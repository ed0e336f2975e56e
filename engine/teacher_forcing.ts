/**
 * One gen-mode log-likelihood request a step at a time: the context as the prompt phase on a
 * session (it selects the experts; its last logits predict the first continuation token), then
 * each continuation token but the last fed as a generation-phase token (teacher forcing), the
 * logits it gives predicting the next one. `score` drives one on its session; `scoreGenBatch`
 * drives many, decoding their tokens together.
 *
 * @module
 */
import type { NativeSession, TargetScore } from "../ffi/session.ts";
import { ContinuationScores } from "./continuation_scores.ts";
import { layerDensities } from "./densities.ts";
import { sessionExperts } from "./experts.ts";
import { timingsOf } from "./generation.ts";
import type { ScoreRequest, ScoreResult } from "./types.ts";

/** One gen-mode request's teacher-forced continuation, a step at a time. */
export class TeacherForcing {
  readonly #continuation: number[];
  readonly #scores: ContinuationScores;
  readonly #experts: ScoreResult["experts"];
  readonly #promptMs: number;
  readonly #selectionMs: number;
  readonly #tokenMs: number[] = [];
  #together = false;

  /**
   * Runs the request's prompt phase on the session (reset first, then its GRIFFIN settings) and
   * scores the first continuation token. The request must be one `score` accepts (checkScoreRequest).
   * `keepExperts` false leaves the result's experts null.
   *
   * @example
   * ```ts ignore
   * const forcing = new TeacherForcing(session, request);
   * for (let token = forcing.next(); token !== undefined; token = forcing.next()) {
   *   forcing.feedScore!(session.decodeScore(token, forcing.target()), 0);
   * }
   * const { loglikelihood } = forcing.result();
   * ```
   */
  constructor(session: NativeSession, request: ScoreRequest, keepExperts = true) {
    const { config } = session.model;
    const { griffin } = request;
    this.#continuation = request.continuationIds;
    if (!request.keepDistributions) {
      this.feedScore = (score, ms, sequences = 1) => {
        this.#timed(ms, sequences);
        this.#scores.takeScore(score.logprob, score.greedy);
      };
    }
    this.#scores = new ContinuationScores(config.vocabSize, request.keepDistributions);
    session.reset();
    session.setGriffin(
      layerDensities(griffin.density, config.layers),
      griffin.method,
      griffin.seed,
    );
    const logits = session.prompt(new Int32Array(request.contextIds));
    ({ promptMs: this.#promptMs, selectionMs: this.#selectionMs } = session.timings());
    this.#experts = keepExperts ? sessionExperts(session) : null;
    this.#scores.take(logits, 0, this.#continuation[0]);
  }

  /** The continuation token to decode next, or undefined when every token has been scored. */
  next(): number | undefined {
    const fed = this.#tokenMs.length;
    return fed + 1 < this.#continuation.length ? this.#continuation[fed] : undefined;
  }

  /**
   * The logits the decoded token gave (they score the token after it) and the step's time,
   * shared by the `sequences` decoded in the same step.
   */
  feed(logits: Float32Array, ms: number, sequences = 1): void {
    const target = this.target();
    this.#timed(ms, sequences);
    this.#scores.take(logits, 0, target);
  }

  /** A step's time, its share when `sequences` shared it (then marked as decoded together). */
  #timed(ms: number, sequences: number): void {
    this.#tokenMs.push(ms / sequences);
    if (sequences > 1) this.#together = true;
  }

  /** The token the next step's logits score (the one after the token `next` returns). */
  target(): number {
    return this.#continuation[this.#tokenMs.length + 1];
  }

  /**
   * The next step's target scored by the engine (decodeScore: its log-probability and whether it
   * is the argmax) instead of the logits; present unless the request keeps distributions.
   */
  readonly feedScore?: (score: TargetScore, ms: number, sequences?: number) => void;

  /** The outcome, as `score` returns it. */
  result(): ScoreResult {
    const timings = timingsOf(this.#promptMs, this.#selectionMs, this.#tokenMs);
    return this.#scores.result(
      this.#experts,
      this.#together ? { ...timings, decodedTogether: true } : timings,
    );
  }
}
