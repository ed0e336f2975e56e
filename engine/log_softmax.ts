/**
 * log-softmax of a row of logits, in float64: the distribution a position gives its next token.
 *
 * @module
 */

/**
 * log-softmax of `length` logits starting at offset, in float64.
 *
 * @example
 * ```ts
 * import { logSoftmax } from "./log_softmax.ts";
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
