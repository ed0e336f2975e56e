/**
 * The tolerance check the reference tests share: |actual − expected| ≤ tolerance · (1 + |expected|)
 * element by element, naming the first element that misses.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Asserts every element is within `tolerance` relative to 1 + |expected|.
 *
 * @example
 * ```ts
 * import { assertClose } from "./assert_close.ts";
 * assertClose([1.00001], [1], 1e-4, "logit");
 * ```
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: number[],
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    assert.ok(excess <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/**
 * ‖a − b‖ / ‖b‖ over whole vectors (logits of every position, say).
 *
 * @example
 * ```ts
 * import { relativeError } from "./assert_close.ts";
 * console.assert(relativeError(new Float32Array([1, 2]), new Float32Array([1, 2])) === 0);
 * ```
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}
