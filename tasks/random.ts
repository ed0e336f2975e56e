/**
 * A small seeded pseudo-random generator (SplitMix32-style mixing of a 32-bit counter), so
 * few-shot draws and bootstrap resamples are the same on every machine for the same seed.
 *
 * @module
 */

/** A source of uniform numbers in [0, 1) that is reproducible from its seed. */
export type Random = () => number;

/**
 * Mixes integers into one 32-bit seed (order matters), e.g. a task seed and a sample index.
 *
 * @example
 * ```ts
 * import { mixSeed } from "./random.ts";
 * mixSeed(1234, 7) === mixSeed(1234, 7); // true
 * ```
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * A seeded generator: the same seed gives the same sequence.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 * const random = seededRandom(42);
 * const x = random(); // in [0, 1)
 * ```
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z ^= z >>> 15;
    return (z >>> 0) / 4294967296;
  };
}

/**
 * `count` distinct indices from `[0, size)` without `exclude`, in draw order (partial
 * Fisher-Yates). Throws when too few indices remain.
 *
 * @example
 * ```ts
 * import { sampleIndices, seededRandom } from "./random.ts";
 * sampleIndices(10, 3, seededRandom(1), 4); // three indices, none of them 4
 * ```
 */
export function sampleIndices(
  size: number,
  count: number,
  random: Random,
  exclude = -1,
): number[] {
  const pool: number[] = [];
  for (let i = 0; i < size; i++) if (i !== exclude) pool.push(i);
  if (count > pool.length) {
    throw new Error(`Cannot draw ${count} examples from ${pool.length} available rows.`);
  }
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}
