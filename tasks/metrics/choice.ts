/**
 * Multiple-choice accuracy as lm-evaluation-harness defines it: `acc` picks the choice with the
 * largest summed log-likelihood; `acc_norm` the largest log-likelihood divided by the choice's
 * length in characters (Unicode code points, as Python's `len`; the choice text without the delimiter before it). Ties go to the
 * first choice (numpy's argmax).
 *
 * @module
 */

/**
 * Index of the largest value; the first one wins ties.
 *
 * @example
 * ```ts
 * import { argmax } from "./choice.ts";
 * argmax([1, 3, 3]); // 1
 * ```
 */
export function argmax(values: number[]): number {
  if (values.length === 0) throw new Error("argmax of an empty list.");
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Per-sample accuracy of a multiple-choice question. */
export interface ChoiceScores {
  /** 1 when the most likely choice is the gold one. */
  acc: number;
  /** 1 when the most likely choice per character is the gold one. */
  acc_norm: number;
  /** The choice picked by `acc`. */
  predicted: number;
}

/**
 * Scores one question from its choices' log-likelihoods.
 *
 * @example
 * ```ts
 * import { choiceScores } from "./choice.ts";
 * choiceScores([-4, -6], ["ab", "abcdef"], 1); // { acc: 0, acc_norm: 1, predicted: 0 }
 * ```
 */
export function choiceScores(
  loglikelihoods: number[],
  choices: string[],
  gold: number,
): ChoiceScores {
  if (loglikelihoods.length !== choices.length) {
    throw new Error(`${loglikelihoods.length} log-likelihoods for ${choices.length} choices.`);
  }
  if (!Number.isInteger(gold) || gold < 0 || gold >= choices.length) {
    throw new Error(`Gold index ${gold} is outside the ${choices.length} choices.`);
  }
  const predicted = argmax(loglikelihoods);
  // A zero-length choice divides by zero as numpy does: -x/0 = -Infinity, 0/0 = NaN (never max).
  const normalized = loglikelihoods.map((ll, i) => ll / [...choices[i]].length); // code points
  const predictedNorm = argmax(normalized.map((v) => Number.isNaN(v) ? -Infinity : v));
  return { acc: predicted === gold ? 1 : 0, acc_norm: predictedNorm === gold ? 1 : 0, predicted };
}
