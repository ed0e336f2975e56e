/**
 * Flocking in numbers, per layer: the share of the prompt's score energy the experts keep,
 * Σ_{j∈E} s_j² / Σ_j s_j², and the experts of the static magnitude baseline at the same k.
 * Since each row of Ẑ has unit norm, Σ_j s_j² is the number of prompt rows, so the energy kept
 * is also the mean, over prompt tokens, of the share of each token's squared activation that
 * falls on the experts. A random set keeps k / d_ff of it on average.
 *
 * @module
 */

/**
 * Σ_{j∈E} s_j² / Σ_j s_j² (0 when every score is 0).
 *
 * @example
 * ```ts
 * import { energyKept } from "./expert_facts.ts";
 * console.assert(energyKept([3, 4, 0], [1]) === 16 / 25);
 * ```
 */
export function energyKept(scores: ArrayLike<number>, experts: ArrayLike<number>): number {
  let total = 0, kept = 0;
  for (let j = 0; j < scores.length; j++) total += scores[j] * scores[j];
  for (let i = 0; i < experts.length; i++) kept += scores[experts[i]] * scores[experts[i]];
  return total > 0 ? kept / total : 0;
}

/**
 * The k highest-scoring neurons, ascending; ties go to the lower index, as in the engine.
 *
 * @example
 * ```ts
 * import { topExperts } from "./expert_facts.ts";
 * console.assert(topExperts([1, 5, 5, 2], 2).join() === "1,2");
 * ```
 */
export function topExperts(scores: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: scores.length }, (_, j) => j);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

/**
 * GRIFFIN's neuron scores from the first `rows` rows of a layer's activations Z (row-major,
 * `ffSize` wide): rows normalised to unit L2 norm, then each column's L2 norm, in float64.
 * A row of zeros adds nothing.
 *
 * @example
 * ```ts
 * import { promptScores } from "./expert_facts.ts";
 * const s = promptScores(new Float32Array([3, 4, 0, 2]), 2, 2);
 * console.assert(Math.abs(s[0] - 0.6) < 1e-12);
 * ```
 */
export function promptScores(z: ArrayLike<number>, rows: number, ffSize: number): Float64Array {
  const squares = new Float64Array(ffSize);
  for (let t = 0; t < rows; t++) {
    let norm = 0;
    for (let j = 0; j < ffSize; j++) norm += z[t * ffSize + j] ** 2;
    if (norm === 0) continue;
    for (let j = 0; j < ffSize; j++) squares[j] += z[t * ffSize + j] ** 2 / norm;
  }
  return squares.map(Math.sqrt);
}

/**
 * Rounds a fraction for records: 6 decimals keep them exact enough and short.
 *
 * @example
 * ```ts
 * import { roundFraction } from "./expert_facts.ts";
 * console.assert(roundFraction(2 / 3) === 0.666667);
 * ```
 */
export function roundFraction(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
