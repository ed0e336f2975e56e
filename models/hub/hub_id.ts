/**
 * Hub repository ids as users write them: `ORG/NAME` or `ORG/NAME@REVISION` (a branch, a tag
 * or a commit). A string that names an existing path is a path, never an id.
 *
 * @module
 */
import { fileExists } from "../file_exists.ts";

/** Models or datasets: the Hub keeps them apart in URLs and in the cache. */
export type RepoType = "model" | "dataset";

/** A parsed repository id. */
export interface HubRepo {
  /** `ORG/NAME` (datasets may lack the `ORG/`). */
  name: string;
  /** `model` or `dataset`. */
  type: RepoType;
  /** The revision asked for (default `main`). */
  revision: string;
}

const NAME = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses `ORG/NAME[@REVISION]`; undefined when the text is not of that form. Models need the
 * `ORG/`; a revision may hold `/` (`refs/pr/1`).
 *
 * @example
 * ```ts
 * import { parseHubId } from "./hub_id.ts";
 * const repo = parseHubId("meta-llama/Llama-2-7b-hf@main");
 * console.assert(repo?.name === "meta-llama/Llama-2-7b-hf" && repo.revision === "main");
 * ```
 */
export function parseHubId(id: string, type: RepoType = "model"): HubRepo | undefined {
  const at = id.indexOf("@");
  const name = at < 0 ? id : id.slice(0, at);
  const revision = at < 0 ? "main" : id.slice(at + 1);
  if (!NAME.test(name) || name.includes("..") || revision === "") return undefined;
  if (type === "model" && !name.includes("/")) return undefined;
  if (/\s|\.\./.test(revision)) return undefined;
  return { name, type, revision };
}

/**
 * Whether `id` is a Hub model id: of the form `ORG/NAME[@REVISION]` and not an existing path.
 *
 * @example
 * ```ts
 * import { isHubModelId } from "./hub_id.ts";
 * console.assert(isHubModelId("google/gemma-7b") && !isHubModelId("models"));
 * ```
 */
export function isHubModelId(id: string): boolean {
  if (id.startsWith("synthetic:") || id.startsWith(".") || id.startsWith("/")) return false;
  return parseHubId(id) !== undefined && !fileExists(id);
}

/** `ORG/NAME@REVISION` back as text (no `@main`). */
export function formatHubId(repo: HubRepo): string {
  return repo.revision === "main" ? repo.name : `${repo.name}@${repo.revision}`;
}
