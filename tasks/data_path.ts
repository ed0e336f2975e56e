/**
 * Finds a task's data file: `options.path`, else `<data folder>/<rel>` (`$GRIFFIN_DATA`, default
 * `~/.cache/griffin-bench/data`, where `deno task data fetch` writes), else
 * `<repo>/../shared/data/<rel>`. A missing file is an error that says how to get one.
 *
 * @module
 */

const REPO_ROOT = new URL("../", import.meta.url);

/**
 * The folder `deno task data fetch` writes and tasks read first: `$GRIFFIN_DATA`, else
 * `$XDG_CACHE_HOME/griffin-bench/data`, else `~/.cache/griffin-bench/data`.
 *
 * @example
 * ```ts
 * import { griffinDataDir } from "./data_path.ts";
 * console.assert(griffinDataDir("/data/") === "/data");
 * ```
 */
export function griffinDataDir(fromEnv = Deno.env.get("GRIFFIN_DATA")): string {
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  const cache = Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME") ?? "."}/.cache`;
  return `${cache}/griffin-bench/data`;
}

/** The folders a default data path is looked for in, in order. */
export function dataRoots(): string[] {
  const roots = [griffinDataDir(), defaultDataRoot("")];
  return roots.filter((r, i) => roots.indexOf(r) === i);
}

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
  root: string | readonly string[] = dataRoots(),
): Promise<string> {
  if (path === undefined && relative === undefined) {
    throw new Error(`Task "${task}" has no default data file: pass one with options.path.`);
  }
  const candidates = path !== undefined ? [path] : [root].flat().map((r) => `${r}/${relative}`);
  for (const candidate of candidates) {
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch {
      // the next candidate
    }
  }
  const how = path !== undefined
    ? "Check options.path."
    : `Run \`deno task data fetch ${task}\`, pass the file with options.path, or set ` +
      `GRIFFIN_DATA to the folder that holds "${relative}".`;
  throw new Error(`Data file of task "${task}" not found at ${candidates.join(" or ")}. ${how}`);
}
