/**
 * A continuation's scores gathered position by position: each token's log-probability under the
 * log-softmax of the logits that predict it, whether every token was the arg-max (greedy), and,
 * when kept, each log-softmax row. Both modes of `score` and the batched gen mode gather here.
 *
 * @module
 */
import { logSoftmax } from "./log_softmax.ts";
import { argmax } from "./sampler.ts";
import type { ScoreResult, Timings } from "./types.ts";

/**
 * The scores of one continuation, a token at a time.
 *
 * @example
 * ```ts
 * import { ContinuationScores } from "./continuation_scores.ts";
 * import { timingsOf } from "./generation.ts";
 * const scores = new ContinuationScores(2);
 * scores.take(new Float32Array([1, 0]), 0, 0);
 * const result = scores.result(null, timingsOf(0, 0, []));
 * console.assert(result.greedy && result.logprobs.length === 1);
 * ```
 */
export class ContinuationScores {
  readonly #vocab: number;
  readonly #distributions: Float32Array[] | undefined;
  readonly #logprobs: number[] = [];
  #greedy = true;

  /** Scores over `vocab` ids; `keepDistributions` keeps each log-softmax row. */
  constructor(vocab: number, keepDistributions = false) {
    this.#vocab = vocab;
    this.#distributions = keepDistributions ? [] : undefined;
  }

  /** Scores `token` against the vocab logits that start at `offset`. */
  take(logits: Float32Array, offset: number, token: number): void {
    const row = logSoftmax(logits, offset, this.#vocab);
    this.#logprobs.push(row[token]);
    if (argmax(logits, offset, this.#vocab) !== token) this.#greedy = false;
    this.#distributions?.push(Float32Array.from(row));
  }

  /** Scores a token whose log-probability and greedy flag the engine computed (decodeScore). */
  takeScore(logprob: number, greedy: boolean): void {
    if (this.#distributions) throw new Error("a kept distribution needs the whole row of logits");
    this.#logprobs.push(logprob);
    if (!greedy) this.#greedy = false;
  }

  /** The scores taken so far as a result, with the request's experts and timings. */
  result(experts: ScoreResult["experts"], timings: Timings): ScoreResult {
    return {
      loglikelihood: this.#logprobs.reduce((s, x) => s + x, 0),
      logprobs: this.#logprobs,
      greedy: this.#greedy,
      experts,
      ...(this.#distributions ? { distributions: this.#distributions } : {}),
      timings,
    };
  }
}
