/**
 * Stable job ids: a hash of everything that defines a job, independent of key order.
 *
 * @module
 */
import { sha256Hex } from "./sweep_file.ts";

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A job's id: the first 16 hex digits of the SHA-256 of its canonical definition.
 *
 * @example
 * ```ts
 * import { jobIdOf } from "./job_id.ts";
 * const a = await jobIdOf({ density: 0.5, method: "topk" });
 * const b = await jobIdOf({ method: "topk", density: 0.5 });
 * console.assert(a === b && a.length === 16);
 * ```
 */
export async function jobIdOf(definition: unknown): Promise<string> {
  return (await sha256Hex(canonicalJson(definition))).slice(0, 16);
}
