/**
 * Reads the experts a session chose, per layer, for results and reports.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";

/**
 * Each layer's experts (ascending; null for a layer that selected none); null when no layer did.
 *
 * @example
 * ```ts ignore
 * const experts = sessionExperts(session); // [[0, 3, 7, …], …] or null at density 1
 * ```
 */
export function sessionExperts(session: NativeSession): (number[] | null)[] | null {
  const layers = session.model.config.layers;
  const experts: (number[] | null)[] = [];
  for (let l = 0; l < layers; l++) {
    const e = session.experts(l);
    experts.push(e ? [...e] : null);
  }
  return experts.every((e) => e === null) ? null : experts;
}
