/**
 * The huggingface_hub cache layout, shared both ways with Python tools:
 * `<cache>/models--ORG--NAME/refs/<revision>` holds a commit, `blobs/<etag>` the bytes (the
 * sha256 for LFS files), `snapshots/<commit>/<file>` a relative link to its blob.
 *
 * @module
 */
import { getRepoFolderName } from "@huggingface/hub";
import { dirname, join, relative } from "node:path";
import type { HubRepo } from "./hub_id.ts";

/** A commit hash: 40 lowercase hex digits. */
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** Paths of one repository in the cache. */
export class RepoCache {
  /** `<cache>/models--ORG--NAME` (or `datasets--…`). */
  readonly folder: string;

  /**
   * The cache folder of `repo` under `cacheDir`.
   *
   * @example
   * ```ts
   * import { RepoCache } from "./cache_layout.ts";
   * const cache = new RepoCache("/c", { name: "a/b", type: "model", revision: "main" });
   * console.assert(cache.blob("e") === "/c/models--a--b/blobs/e");
   * ```
   */
  constructor(cacheDir: string, repo: HubRepo) {
    this.folder = join(cacheDir, getRepoFolderName({ name: repo.name, type: repo.type }));
  }

  /** `blobs/<etag>`. */
  blob(etag: string): string {
    return join(this.folder, "blobs", etag);
  }

  /** `snapshots/<commit>` or a file in it. */
  snapshot(commit: string, file = ""): string {
    return join(this.folder, "snapshots", commit, file);
  }

  /** The commit a revision points to: itself when a commit hash, else `refs/<revision>`. */
  readRef(revision: string): string | undefined {
    if (COMMIT_HASH.test(revision)) return revision;
    try {
      const commit = Deno.readTextFileSync(join(this.folder, "refs", revision)).trim();
      return COMMIT_HASH.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes `refs/<revision>` (no newline, as huggingface_hub does); commits are not refs. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const file = join(this.folder, "refs", revision);
    await Deno.mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temporary, commit);
    await Deno.rename(temporary, file);
  }

  /** Whether the snapshot holds `file` and its blob (links followed). */
  hasFile(commit: string, file: string): boolean {
    try {
      return Deno.statSync(this.snapshot(commit, file)).isFile;
    } catch {
      return false;
    }
  }

  /** Links `snapshots/<commit>/<file>` to `blobs/<etag>` with a relative link. */
  async link(commit: string, file: string, etag: string): Promise<void> {
    const pointer = this.snapshot(commit, file);
    await Deno.mkdir(dirname(pointer), { recursive: true });
    try {
      await Deno.remove(pointer);
    } catch {
      // nothing there
    }
    await Deno.symlink(relative(dirname(pointer), this.blob(etag)), pointer);
  }
}
