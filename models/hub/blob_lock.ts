/**
 * The lock huggingface_hub takes around a blob's download — `<cache>/.locks/<repo folder>/
 * <etag>.lock`, an flock — so that two processes (or this tool and Python) never write the same
 * `.incomplete` at once. The kernel releases it if the holder dies.
 *
 * @module
 */
import { getRepoFolderName } from "@huggingface/hub";
import type { HubRepo } from "./hub_id.ts";

/**
 * Runs `work` holding the lock of `etag` in `repo`'s cache.
 *
 * @example
 * ```ts
 * import { withBlobLock } from "./blob_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const repo = { name: "a/b", type: "model" as const, revision: "main" };
 * console.assert((await withBlobLock(dir, repo, "e", () => Promise.resolve(7))) === 7);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withBlobLock<T>(
  cacheDir: string,
  repo: HubRepo,
  etag: string,
  work: () => Promise<T>,
): Promise<T> {
  const folder = `${cacheDir}/.locks/${getRepoFolderName({ name: repo.name, type: repo.type })}`;
  await Deno.mkdir(folder, { recursive: true });
  using file = await Deno.open(`${folder}/${etag}.lock`, { write: true, create: true });
  await file.lock(true);
  try {
    return await work();
  } finally {
    await file.unlock();
  }
}
