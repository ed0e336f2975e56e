/**
 * Finds a task's data file: `options.path`, else `$GRIFFIN_DATA/<rel>`, else
 * `<repo>/../shared/data/<rel>`. A missing file is an error that says how to pass one.
 *
 * @module
 */

const REPO_ROOT = new URL("../", import.meta.url);

/**
 * The data folder used when no path is given: `$GRIFFIN_DATA` or `<repo>/../shared/data`.
 *
 * @example
 * ```ts
 * import { defaultDataRoot } from "./data_path.ts";
 * defaultDataRoot(); // e.g. "/work/shared/data"
 * ```
 */
export function defaultDataRoot(fromEnv = Deno.env.get("GRIFFIN_DATA")): string {
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  return decodeURIComponent(new URL("../shared/data", REPO_ROOT).pathname);
}

/**
 * The data file of a task; throws when it does not exist.
 *
 * @example
 * ```ts
 * import { resolveDataPath } from "./data_path.ts";
 * // resolveDataPath("xsum", undefined, "tasks/xsum/xsum_1shot.jsonl")
 * ```
 */
export async function resolveDataPath(
  task: string,
  path: string | undefined,
  relative: string | undefined,
  root: string = defaultDataRoot(),
): Promise<string> {
  if (path === undefined && relative === undefined) {
    throw new Error(`Task "${task}" has no default data file: pass one with options.path.`);
  }
  const resolved = path ?? `${root}/${relative}`;
  try {
    const info = await Deno.stat(resolved);
    if (!info.isFile) throw new Error(`not a file`);
  } catch (cause) {
    const how = path !== undefined
      ? "Check options.path."
      : `Pass the file with options.path, or set GRIFFIN_DATA to the folder that holds "${relative}".`;
    throw new Error(`Data file of task "${task}" not found at ${resolved}. ${how}`, { cause });
  }
  return resolved;
}
