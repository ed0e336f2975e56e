/**
 * "Did you mean" suggestions for unknown names (tasks, metrics, options).
 *
 * @module
 */

/**
 * Edit distance (insertions, deletions, substitutions) between two strings.
 *
 * @example
 * ```ts
 * import { editDistance } from "./did_you_mean.ts";
 * console.assert(editDistance("xsun", "xsum") === 1);
 * ```
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known name closest to `name` (edit distance, case-insensitive; a known name containing
 * `name` counts as close).
 *
 * @example
 * ```ts
 * import { closestName } from "./did_you_mean.ts";
 * closestName("xsun", ["xsum", "gsm8k"]); // "xsum"
 * ```
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const d = c.includes(lower) && lower.length >= 3 ? 0.5 : editDistance(lower, c);
    if (d < bestDistance) best = candidate, bestDistance = d;
  }
  return best;
}

/**
 * An error sentence for an unknown name, with a suggestion and the known names.
 *
 * @example
 * ```ts
 * import { unknownNameMessage } from "./did_you_mean.ts";
 * unknownNameMessage("task", "xsun", ["xsum", "gsm8k"]);
 * // 'Unknown task "xsun". Did you mean "xsum"? Known: xsum, gsm8k.'
 * ```
 */
export function unknownNameMessage(kind: string, name: string, known: readonly string[]): string {
  const suggestion = closestName(name, known);
  const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
  return `Unknown ${kind} "${name}".${hint} Known: ${known.join(", ")}.`;
}
