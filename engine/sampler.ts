/**
 * Draws the next token from logits: greedy, or temperature / top-k / top-p sampling with a
 * seeded generator.
 *
 * @module
 */
import type { SamplingOptions } from "./types.ts";

/** Greedy decoding, the default. */
export const GREEDY: SamplingOptions = { greedy: true, temperature: 1, topK: 0, topP: 1, seed: 0 };

/**
 * The index of the largest logit; ties go to the lower index.
 *
 * @example
 * ```ts
 * import { argmax } from "./sampler.ts";
 * console.assert(argmax(new Float32Array([1, 3, 3])) === 1);
 * ```
 */
export function argmax(logits: Float32Array, offset = 0, length = logits.length): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (logits[offset + i] > logits[offset + best]) best = i;
  return best;
}

/** A seeded generator of uniform doubles in [0, 1) (two 32-bit words of state, mulberry-style mixing). */
export function seededRandom(seed: number): () => number {
  let a = (seed >>> 0) ^ 0x9e3779b9, b = Math.floor(seed / 2 ** 32) ^ 0x85ebca6b;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    b = (b ^ a) + 0x632be5ab | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t ^ b;
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
}

/** Draws tokens from logits with fixed options; one instance per sequence. */
export class Sampler {
  readonly #options: SamplingOptions;
  readonly #random: () => number;

  /**
   * @example
   * ```ts
   * import { Sampler } from "./sampler.ts";
   * const sampler = new Sampler({ greedy: false, temperature: 0.3, topK: 0, topP: 1, seed: 42 });
   * const token = sampler.next(new Float32Array([0, 5, 0]));
   * console.assert(token >= 0 && token < 3);
   * ```
   */
  constructor(options: SamplingOptions) {
    if (!options.greedy) {
      if (!(options.temperature > 0)) throw new RangeError("temperature must be above 0");
      if (!(options.topP > 0 && options.topP <= 1)) throw new RangeError("top-p must be in (0, 1]");
      if (!(Number.isInteger(options.topK) && options.topK >= 0)) {
        throw new RangeError("top-k must be a whole number ≥ 0");
      }
    }
    this.#options = options;
    this.#random = seededRandom(options.seed);
  }

  /** The next token from one row of logits. */
  next(logits: Float32Array): number {
    const { greedy, temperature, topK, topP } = this.#options;
    if (greedy) return argmax(logits);
    const order = descendingOrder(logits);
    const count = topK > 0 ? Math.min(topK, order.length) : order.length;
    const max = logits[order[0]] / temperature;
    const weights = new Float64Array(count);
    for (let i = 0; i < count; i++) weights[i] = Math.exp(logits[order[i]] / temperature - max);
    let cut = count;
    if (topP < 1) {
      let total = 0;
      for (let i = 0; i < count; i++) total += weights[i];
      let cumulative = 0;
      for (let i = 0; i < count; i++) {
        cumulative += weights[i] / total;
        if (cumulative >= topP) {
          cut = i + 1;
          break;
        }
      }
    }
    let mass = 0;
    for (let i = 0; i < cut; i++) mass += weights[i];
    let u = this.#random() * mass;
    for (let i = 0; i < cut; i++) {
      u -= weights[i];
      if (u < 0) return order[i];
    }
    return order[cut - 1];
  }
}

/**
 * The indices of logits from the largest to the smallest, ties to the lower index — what
 * sorting them with `(x, y) => logits[y] - logits[x] || x - y` gives — by a stable radix sort
 * of each logit's bits flipped to sort descending (four passes of a byte).
 *
 * @example
 * ```ts
 * import { descendingOrder } from "./sampler.ts";
 * console.assert(descendingOrder(new Float32Array([1, 3, 3, -2])).join() === "1,2,0,3");
 * ```
 */
export function descendingOrder(logits: Float32Array): Int32Array {
  const n = logits.length;
  if (logits.some(Number.isNaN)) { // no order to keep: what the comparison sort does
    return Int32Array.from([...logits.keys()].sort((x, y) => logits[y] - logits[x] || x - y));
  }
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = logits[i] + 0; // −0 and +0 tie, as they compare
  const bits = new Uint32Array(values.buffer);
  let keys = new Uint32Array(n), order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i]; // descending: the complement of the ascending total order
    keys[i] = b & 0x80000000 ? b : ~(b | 0x80000000) >>> 0;
    order[i] = i;
  }
  let nextKeys = new Uint32Array(n), nextOrder = new Int32Array(n);
  const counts = new Int32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 255]++;
    for (let b = 0, at = 0; b < 256; b++) {
      const c = counts[b];
      counts[b] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(keys[i] >>> shift) & 255]++;
      nextKeys[at] = keys[i];
      nextOrder[at] = order[i];
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}
