/**
 * One task's data from a Hub dataset: the first of its repositories that exists, the files of
 * its configuration's split (on `main`, else on `refs/convert/parquet`), downloaded into the
 * huggingface_hub cache like any Hub file, read and written as JSONL in the dataset's schema.
 * Offline, the cache only.
 *
 * @module
 */
import { join, relative } from "node:path";
import { RepoCache } from "../../models/hub/cache_layout.ts";
import { downloadFiles } from "../../models/hub/download_files.ts";
import { HubError } from "../../models/hub/hub_error.ts";
import type { HubRepo } from "../../models/hub/hub_id.ts";
import type { HubSettings } from "../../models/hub/hub_settings.ts";
import { repoInfo } from "../../models/hub/repo_info.ts";
import { fileSha256, type ManifestEntry, writeAtomically } from "./manifest.ts";
import { readRows } from "./read_rows.ts";
import type { HubDatasetSource } from "./sources.ts";
import { splitFiles } from "./split_files.ts";

/** Branches tried in order: the repository's own files, then the Hub's Parquet conversion. */
const REVISIONS = ["main", "refs/convert/parquet"];

interface Located {
  repo: HubRepo;
  commit: string;
  files: string[];
}

/**
 * Fetches `source` into `dataDir`; returns its manifest entry.
 *
 * @example
 * ```ts ignore
 * const entry = await fetchHubDataset(source, hubSettings(), griffinDataDir());
 * ```
 */
export async function fetchHubDataset(
  source: HubDatasetSource,
  settings: HubSettings,
  dataDir: string,
): Promise<ManifestEntry> {
  const located = await locate(source, settings);
  const cache = new RepoCache(settings.cacheDir, located.repo);
  const rows: Record<string, unknown>[] = [];
  for (const file of located.files) {
    rows.push(...await readRows(cache.snapshot(located.commit, file)));
  }
  const text = rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length ? "\n" : "");
  const output = join(dataDir, source.output);
  await writeAtomically(output, text);
  return {
    task: source.task,
    sha256: fileSha256(output)!,
    bytes: new TextEncoder().encode(text).length,
    rows: rows.length,
    source: {
      repo: located.repo.name,
      revision: located.repo.revision,
      commit: located.commit,
      files: located.files.map((path) => ({
        path,
        sha256: fileSha256(cache.snapshot(located.commit, path))!,
      })),
    },
    fetchedAt: new Date().toISOString(),
  };
}

async function locate(source: HubDatasetSource, settings: HubSettings): Promise<Located> {
  try {
    return await locateIn(source, settings);
  } catch (error) {
    // The Hub out of reach: what the cache holds still serves, as for models.
    if (!(error instanceof HubError && error.kind === "network") || settings.offline) throw error;
    for (const name of source.repos) {
      const found = fromCache(source, settings, name);
      if (found) return found;
    }
    throw error;
  }
}

async function locateIn(source: HubDatasetSource, settings: HubSettings): Promise<Located> {
  const what = `${source.config ? `configuration ${source.config}, ` : ""}split ${source.split}`;
  if (settings.offline) {
    for (const name of source.repos) {
      const found = fromCache(source, settings, name);
      if (found) return found;
    }
    throw new HubError(
      "offline",
      `task ${source.task}: ${source.repos.join(" or ")} (${what}) is not in the Hugging Face ` +
        `cache (${settings.cacheDir}) and HF_HUB_OFFLINE=1; run once online`,
    );
  }
  let missingRepos = 0;
  for (const name of source.repos) {
    for (const revision of REVISIONS) {
      const repo: HubRepo = { name, type: "dataset", revision };
      let info;
      try {
        info = await repoInfo(settings, repo);
      } catch (error) {
        if (error instanceof HubError && error.kind === "repo-not-found") {
          missingRepos++;
          break; // the next repository
        }
        if (error instanceof HubError && error.kind === "revision-not-found") continue;
        throw error;
      }
      if (!info) break;
      const files = splitFiles(info.files, source.config, source.split);
      if (files.length === 0) continue;
      await downloadFiles(settings, repo, info.commit, files);
      await new RepoCache(settings.cacheDir, repo).writeRef(revision, info.commit);
      return { repo, commit: info.commit, files };
    }
  }
  const names = source.repos.join(" or ");
  if (missingRepos === source.repos.length) {
    throw new HubError(
      "repo-not-found",
      `task ${source.task}: dataset ${names} not found at ${settings.endpoint} (if it is ` +
        "private or gated, set HF_TOKEN)",
    );
  }
  throw new HubError(
    "entry-not-found",
    `task ${source.task}: no Parquet files for ${what} in dataset ${names} at ` +
      settings.endpoint,
  );
}

function fromCache(
  source: HubDatasetSource,
  settings: HubSettings,
  name: string,
): Located | undefined {
  for (const revision of REVISIONS) {
    const repo: HubRepo = { name, type: "dataset", revision };
    const cache = new RepoCache(settings.cacheDir, repo);
    const commit = cache.readRef(revision);
    if (!commit) continue;
    const files = splitFiles(listTree(cache.snapshot(commit)), source.config, source.split);
    if (files.length > 0) return { repo, commit, files };
  }
  return undefined;
}

function listTree(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    try {
      for (const entry of Deno.readDirSync(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) walk(path);
        else out.push(relative(folder, path));
      }
    } catch {
      // no snapshot
    }
  };
  walk(folder);
  return out;
}
