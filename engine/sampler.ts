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
    const order = [...logits.keys()].sort((x, y) => logits[y] - logits[x] || x - y);
    const kept = topK > 0 ? order.slice(0, topK) : order;
    const max = logits[kept[0]] / temperature;
    const weights = kept.map((i) => Math.exp(logits[i] / temperature - max));
    const total = weights.reduce((s, w) => s + w, 0);
    let cut = kept.length;
    if (topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < kept.length; i++) {
        cumulative += weights[i] / total;
        if (cumulative >= topP) {
          cut = i + 1;
          break;
        }
      }
    }
    const mass = weights.slice(0, cut).reduce((s, w) => s + w, 0);
    let u = this.#random() * mass;
    for (let i = 0; i < cut; i++) {
      u -= weights[i];
      if (u < 0) return kept[i];
    }
    return kept[cut - 1];
  }
}
