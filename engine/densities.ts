/**
 * Resolves GRIFFIN's density (one value or a per-layer schedule) into one density per layer.
 *
 * @module
 */

/**
 * One density per layer; throws a RangeError naming the bad value.
 *
 * @example
 * ```ts
 * import { layerDensities } from "./densities.ts";
 * console.assert(layerDensities(0.5, 3).join() === "0.5,0.5,0.5");
 * ```
 */
export function layerDensities(density: number | number[], layers: number): number[] {
  const schedule = Array.isArray(density) ? density : Array(layers).fill(density);
  if (schedule.length !== layers) {
    throw new RangeError(
      `a density schedule needs one value per layer (${layers}), got ${schedule.length}`,
    );
  }
  for (const [layer, d] of schedule.entries()) {
    if (typeof d !== "number" || !(d >= 0 && d <= 1)) {
      throw new RangeError(`density ${d} (layer ${layer}) must be a number in [0, 1]`);
    }
  }
  return schedule;
}

/** k = floor(d_ff × density), as the reference's Python `int()`. */
export function expertCount(ffSize: number, density: number): number {
  return Math.floor(ffSize * density);
}
