/**
 * "Did you mean" suggestions for names a user mistyped.
 *
 * @module
 */

import { editDistance } from "../tasks/did_you_mean.ts";

export { editDistance };

/**
 * The known name closest to `name`, when it is close enough to be a likely typo.
 *
 * @example
 * ```ts
 * import { closestName } from "./did_you_mean.ts";
 * closestName("topK", ["topk", "sample"]); // "topk"
 * ```
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** A sentence ending for an unknown name: `; did you mean "x"?` or the list of known names. */
export function suggestion(name: string, known: readonly string[]): string {
  const closest = closestName(name, known);
  if (closest !== undefined) return `; did you mean "${closest}"?`;
  return known.length > 0 ? ` (known: ${known.join(", ")})` : "";
}
