/**
 * Standard errors by bootstrap: resample the samples with replacement, recompute the
 * aggregate, and take the standard deviation (n − 1) of the replicates. Seeded, so a result
 * is reproducible.
 *
 * @module
 */

import { seededRandom } from "../random.ts";

/** Options of {@link bootstrapStderr}. */
export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  iterations?: number;
  /** Seed of the resampling (default 1234). */
  seed?: number;
}

/**
 * Bootstrap standard error of `aggregate` over `items`; 0 for fewer than two items.
 *
 * @example
 * ```ts
 * import { bootstrapStderr } from "./bootstrap.ts";
 * const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
 * bootstrapStderr([0, 1, 0, 1], mean); // ≈ 0.25
 * ```
 */
export function bootstrapStderr<T>(
  items: T[],
  aggregate: (items: T[]) => number,
  options: BootstrapOptions = {},
): number {
  const n = items.length, iterations = options.iterations ?? 1000;
  if (n < 2) return 0;
  const random = seededRandom(options.seed ?? 1234);
  const replicates: number[] = [];
  const resample = new Array<T>(n);
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < n; i++) resample[i] = items[Math.floor(random() * n)];
    const value = aggregate(resample);
    if (Number.isFinite(value)) replicates.push(value);
  }
  if (replicates.length < 2) return 0;
  const mean = replicates.reduce((a, b) => a + b, 0) / replicates.length;
  const variance = replicates.reduce((a, x) => a + (x - mean) ** 2, 0) / (replicates.length - 1);
  return Math.sqrt(variance);
}
