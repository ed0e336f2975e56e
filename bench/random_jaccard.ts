/**
 * The chance level of expert-set overlap: the expected Jaccard similarity of two independent,
 * uniformly random k-subsets of n neurons, computed exactly (no simulation). Their overlap X is
 * hypergeometric, P(X = x) = C(k, x)·C(n − k, k − x) / C(n, k), and J = X / (2k − X), so
 * E[J] = Σₓ P(X = x) · x / (2k − x), summed in log space.
 *
 * @module
 */

const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) {
    logFactorials.push(logFactorials[i - 1] + Math.log(i));
  }
  return logFactorials[n];
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * E[|A ∩ B| / |A ∪ B|] for A, B drawn uniformly and independently among the k-subsets of n
 * (1 when k = 0: two empty sets are the same set).
 *
 * @example
 * ```ts
 * import { randomJaccard } from "./random_jaccard.ts";
 * console.assert(randomJaccard(4, 4) === 1);
 * console.assert(Math.abs(randomJaccard(2, 1) - 0.5) < 1e-12); // equal with probability 1/2
 * ```
 */
export function randomJaccard(n: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(k) && k >= 0 && k <= n)) {
    throw new RangeError(`random sets need whole numbers 0 ≤ k ≤ n, got k=${k}, n=${n}`);
  }
  if (k === 0) return 1;
  const total = logChoose(n, k);
  let expected = 0;
  for (let x = Math.max(1, 2 * k - n); x <= k; x++) {
    const p = Math.exp(logChoose(k, x) + logChoose(n - k, k - x) - total);
    expected += p * x / (2 * k - x);
  }
  return expected;
}
