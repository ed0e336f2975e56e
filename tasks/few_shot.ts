/**
 * Reproducible few-shot examples: for the row at `index`, `shots` other rows of the same file
 * are drawn with a generator seeded by (seed, index), so a sample's prompt depends only on the
 * file, the seed and its own row, never on `limit` or order of evaluation.
 *
 * @module
 */

import { mixSeed, sampleIndices, seededRandom } from "./random.ts";

/**
 * The rendered examples for one row, each followed by `delimiter` (empty when shots is 0).
 *
 * @example
 * ```ts
 * import { fewShotPrefix } from "./few_shot.ts";
 * fewShotPrefix(["a", "b", "c"], 0, 1, 7, (r) => r.toUpperCase(), "\n\n"); // "B\n\n" or "C\n\n"
 * ```
 */
export function fewShotPrefix<T>(
  rows: T[],
  index: number,
  shots: number,
  seed: number,
  render: (row: T) => string,
  delimiter: string,
): string {
  if (shots === 0) return "";
  const drawn = sampleIndices(rows.length, shots, seededRandom(mixSeed(seed, index)), index);
  return drawn.map((i) => render(rows[i]) + delimiter).join("");
}
