/**
 * An expert set's fingerprint: a bitset of d_ff bits, bit j set when neuron j is an expert
 * (byte j >> 3, bit j & 7), and the Jaccard similarity of two such sets.
 *
 * @module
 */

/**
 * The bitset of `experts` among `ffSize` neurons.
 *
 * @example
 * ```ts
 * import { expertBitset } from "./expert_bitset.ts";
 * console.assert(expertBitset([0, 9], 16).join() === "1,2");
 * ```
 */
export function expertBitset(experts: ArrayLike<number>, ffSize: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(ffSize / 8));
  for (let i = 0; i < experts.length; i++) {
    const j = experts[i];
    if (!(Number.isInteger(j) && j >= 0 && j < ffSize)) {
      throw new RangeError(`expert ${j} is not a neuron of a layer of ${ffSize}`);
    }
    bits[j >> 3] |= 1 << (j & 7);
  }
  return bits;
}

/**
 * The neurons a bitset holds, ascending.
 *
 * @example
 * ```ts
 * import { bitsetMembers } from "./expert_bitset.ts";
 * console.assert(bitsetMembers(new Uint8Array([1, 2])).join() === "0,9");
 * ```
 */
export function bitsetMembers(bits: Uint8Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < bits.length; b++) {
    for (let i = 0; i < 8; i++) if (bits[b] & (1 << i)) out.push(b * 8 + i);
  }
  return out;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0;
  for (let x = v; x; x >>= 1) n += x & 1;
  return n;
});

/**
 * Neurons in a bitset.
 *
 * @example
 * ```ts
 * import { bitsetCount } from "./expert_bitset.ts";
 * console.assert(bitsetCount(new Uint8Array([3, 128])) === 3);
 * ```
 */
export function bitsetCount(bits: Uint8Array): number {
  let n = 0;
  for (let b = 0; b < bits.length; b++) n += POPCOUNT[bits[b]];
  return n;
}

/**
 * |A ∩ B| / |A ∪ B| of two bitsets of one layer (1 when both are empty).
 *
 * @example
 * ```ts
 * import { jaccard } from "./expert_bitset.ts";
 * console.assert(jaccard(new Uint8Array([3]), new Uint8Array([6])) === 1 / 3);
 * ```
 */
export function jaccard(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`bitsets of ${a.length} and ${b.length} bytes are not of one layer`);
  }
  let both = 0, either = 0;
  for (let i = 0; i < a.length; i++) {
    both += POPCOUNT[a[i] & b[i]];
    either += POPCOUNT[a[i] | b[i]];
  }
  return either === 0 ? 1 : both / either;
}
