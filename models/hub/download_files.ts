/**
 * Brings files of one commit into the cache: each missing file's metadata (HEAD), then the
 * blobs not yet there, several at once, under one progress bar; then the snapshot links.
 *
 * @module
 */
import { RepoCache } from "./cache_layout.ts";
import { withBlobLock } from "./blob_lock.ts";
import { downloadBlob } from "./download_blob.ts";
import { type FileMetadata, fileMetadata } from "./file_metadata.ts";
import { HubError } from "./hub_error.ts";
import { formatHubId, type HubRepo } from "./hub_id.ts";
import type { HubSettings } from "./hub_settings.ts";
import { ProgressBar } from "./progress_bar.ts";
import { fileExists as exists } from "../file_exists.ts";

/**
 * Makes `snapshots/<commit>/<file>` present for every file; returns the metadata of those it
 * had to ask about.
 *
 * @example
 * ```ts ignore
 * await downloadFiles(settings, repo, commit, ["config.json", "model.safetensors"]);
 * ```
 */
export async function downloadFiles(
  settings: HubSettings,
  repo: HubRepo,
  commit: string,
  files: readonly string[],
): Promise<FileMetadata[]> {
  const cache = new RepoCache(settings.cacheDir, repo);
  const missing = files.filter((f) => !cache.hasFile(commit, f));
  if (missing.length === 0) return [];
  const metas = await inPool(missing, settings.concurrency, async (file) => {
    const meta = await fileMetadata(settings, repo, commit, file).catch((error) => {
      // An endpoint that resolves branch names only: ask by the revision, check the commit.
      if (error instanceof HubError && error.kind === "revision-not-found") {
        return fileMetadata(settings, repo, repo.revision, file);
      }
      throw error;
    });
    if (meta.commit !== commit) {
      throw new HubError(
        "network",
        `${repo.name} ${file}: the Hub answered commit ${meta.commit} for ${commit}`,
      );
    }
    return meta;
  });
  await Deno.mkdir(`${cache.folder}/blobs`, { recursive: true });
  // One download per blob: two files with the same bytes share it.
  const needed = metas.filter((m, i) =>
    !exists(cache.blob(m.etag)) && metas.findIndex((o) => o.etag === m.etag) === i
  );
  const total = needed.reduce((sum, m) => sum + (m.size ?? 0), 0);
  const bar = needed.length > 0
    ? new ProgressBar(formatHubId(repo), total, needed.length, settings.progress)
    : undefined;
  await inPool(needed, settings.concurrency, async (meta) => {
    await withBlobLock(settings.cacheDir, repo, meta.etag, async () => {
      // Another process may have finished it while this one waited for the lock.
      if (!exists(cache.blob(meta.etag))) {
        await downloadBlob(settings, repo, meta, cache.blob(meta.etag), (n) => bar?.add(n));
      }
    });
    bar?.fileDone(meta.file);
  });
  for (const meta of metas) await cache.link(commit, meta.file, meta.etag);
  bar?.finish();
  return metas;
}

/** Maps `items` through `work`, at most `limit` at a time, results in order. */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
