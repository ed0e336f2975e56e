/**
 * A Hub model id (`ORG/NAME[@REVISION]`) as a folder the loader reads: the snapshot in the
 * huggingface_hub cache, with what is missing of it (config, tokenizer files, model.safetensors
 * or the index and its shards; nothing else) downloaded first. Offline, the cache only.
 *
 * @module
 */
import { RepoCache } from "./cache_layout.ts";
import { diskError } from "./download_blob.ts";
import { downloadFiles } from "./download_files.ts";
import { HubError } from "./hub_error.ts";
import { formatHubId, type HubRepo, parseHubId } from "./hub_id.ts";
import { type HubSettings, hubSettings } from "./hub_settings.ts";
import { listByProbing } from "./probe_files.ts";
import { repoInfo } from "./repo_info.ts";

/** The files of a model besides its weights, fetched when the repository has them. */
export const MODEL_FILES = [
  "config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "tokenizer.model",
];
const INDEX = "model.safetensors.index.json";
const SINGLE = "model.safetensors";

/** A model resolved in the cache. */
export interface HubModel {
  /** The id as given. */
  id: string;
  /** `ORG/NAME`. */
  repo: string;
  /** The revision asked for. */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** `snapshots/<commit>`: a Hugging Face folder. */
  folder: string;
}

/**
 * Resolves (and where needed downloads) a Hub model.
 *
 * @example
 * ```ts ignore
 * const model = await resolveHubModel("meta-llama/Llama-2-7b-hf");
 * console.log(model.folder, model.commit);
 * ```
 */
export async function resolveHubModel(
  id: string,
  settings: HubSettings = hubSettings(),
): Promise<HubModel> {
  const repo = parseHubId(id);
  if (!repo) throw new HubError("repo-not-found", `"${id}" is not a Hub id (ORG/NAME[@REVISION])`);
  const cache = new RepoCache(settings.cacheDir, repo);
  try {
    return await resolveIn(id, repo, cache, settings);
  } catch (error) {
    if (error instanceof HubError && error.kind === "repo-not-found") {
      throw new HubError(error.kind, `${error.message}; no folder ${id} exists either`);
    }
    throw diskError(error, cache.folder);
  }
}

async function resolveIn(
  id: string,
  repo: HubRepo,
  cache: RepoCache,
  settings: HubSettings,
): Promise<HubModel> {
  if (settings.offline) return fromCache(id, repo, cache, settings);
  let commit: string;
  let files: string[];
  try {
    const info = await repoInfo(settings, repo) ?? await listByProbing(settings, repo, [
      ...MODEL_FILES,
      INDEX,
      SINGLE,
    ]);
    commit = info.commit;
    files = info.files;
  } catch (error) {
    // The Hub out of reach: what the cache holds still serves, as huggingface_hub does.
    if (error instanceof HubError && error.kind === "network") {
      try {
        return fromCache(id, repo, cache, settings);
      } catch {
        throw error;
      }
    }
    throw error;
  }
  const where = `${formatHubId(repo)} (commit ${commit.slice(0, 12)})`;
  if (!files.includes("config.json")) {
    throw new HubError("entry-not-found", `file config.json not found in ${where}`);
  }
  const weights = files.includes(INDEX) ? INDEX : files.includes(SINGLE) ? SINGLE : undefined;
  if (!weights) {
    throw new HubError(
      "entry-not-found",
      `${where} has no ${SINGLE} or ${INDEX}; this engine reads safetensors weights only ` +
        "(a safetensors conversion may exist at another revision, e.g. ORG/NAME@refs/pr/N)",
    );
  }
  await downloadFiles(settings, repo, commit, [
    ...MODEL_FILES.filter((f) => files.includes(f)),
    weights,
  ]);
  if (weights === INDEX) {
    await downloadFiles(settings, repo, commit, shardsOf(cache.snapshot(commit, INDEX)));
  }
  await cache.writeRef(repo.revision, commit);
  return { id, repo: repo.name, revision: repo.revision, commit, folder: cache.snapshot(commit) };
}

function fromCache(id: string, repo: HubRepo, cache: RepoCache, settings: HubSettings): HubModel {
  const why = settings.offline ? "HF_HUB_OFFLINE=1" : `${settings.endpoint} is out of reach`;
  const commit = cache.readRef(repo.revision);
  if (!commit) {
    throw new HubError(
      "offline",
      `${formatHubId(repo)} is not in the Hugging Face cache (${cache.folder}, no ` +
        `refs/${repo.revision}) and ${why}; run once online or unset HF_HUB_OFFLINE`,
    );
  }
  const needed = ["config.json"];
  if (cache.hasFile(commit, INDEX)) needed.push(...shardsOf(cache.snapshot(commit, INDEX)));
  else needed.push(SINGLE);
  const missing = needed.filter((f) => !cache.hasFile(commit, f));
  if (missing.length > 0) {
    throw new HubError(
      "offline",
      `${formatHubId(repo)} (commit ${commit.slice(0, 12)}) lacks ${missing.join(", ")} in ` +
        `the cache and ${why}; run once online to complete it`,
    );
  }
  return { id, repo: repo.name, revision: repo.revision, commit, folder: cache.snapshot(commit) };
}

/** The shard files an index names, in first-seen order. */
export function shardsOf(indexFile: string): string[] {
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(Deno.readTextFileSync(indexFile));
  } catch (cause) {
    throw new HubError("entry-not-found", `${indexFile} is not a readable safetensors index`, {
      cause,
    });
  }
  const shards = [...new Set(Object.values(index.weight_map ?? {}))];
  for (const shard of shards) {
    if (shard.includes("..") || shard.startsWith("/")) {
      throw new HubError("entry-not-found", `${indexFile} names a shard outside the folder`);
    }
  }
  return shards;
}
