/**
 * The value after `--name` on a benchmark's command line (`bench:engine`, `bench:eval`,
 * `bench:load`), or a fallback.
 *
 * @module
 */

/**
 * `--name VALUE` from args, or fallback when the flag or its value is missing.
 *
 * @example
 * ```ts
 * import { flag } from "./flag.ts";
 * console.assert(flag("out", "results", ["--out", "x"]) === "x");
 * console.assert(flag("out", "results", []) === "results");
 * ```
 */
export function flag(name: string, fallback: string, args: readonly string[] = Deno.args): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}
