/**
 * Whether a path names something on disk (a file or a folder).
 *
 * @module
 */

/**
 * True when `path` can be stat'ed.
 *
 * @example
 * ```ts
 * import { fileExists } from "./file_exists.ts";
 * console.assert(!fileExists("/no/such/path"));
 * ```
 */
export function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
