/**
 * What the Hub says about one file before it is downloaded (a HEAD on `resolve/<rev>/<file>`,
 * redirects not followed): the commit (`X-Repo-Commit`), the blob's etag (`X-Linked-Etag`, the
 * sha256 of an LFS file, else `ETag`), its size and where its bytes are (`Location`).
 *
 * @module
 */
import { HubError } from "./hub_error.ts";
import { hubFetch, resolveUrl, throwHubError } from "./hub_http.ts";
import type { HubRepo } from "./hub_id.ts";
import type { HubSettings } from "./hub_settings.ts";

/** One file as the Hub describes it. */
export interface FileMetadata {
  /** Path in the repository. */
  file: string;
  /** The commit the answer came from. */
  commit: string;
  /** The blob's name in the cache: the sha256 for LFS files, the git oid otherwise. */
  etag: string;
  /** Whether the file is in LFS (its etag is then its sha256, checked after download). */
  lfs: boolean;
  /** Size in bytes, when the Hub gave it. */
  size?: number;
  /** Where to GET the bytes (the LFS store's URL after a 302, else the resolve URL). */
  downloadUrl: string;
}

/** `"abc"` or `W/"abc"` → `abc`. */
export function normalizeEtag(etag: string | null): string | undefined {
  return etag?.replace(/^W\//, "").replace(/^"|"$/g, "") || undefined;
}

/**
 * HEADs one file at `revision`.
 *
 * @example
 * ```ts ignore
 * const meta = await fileMetadata(settings, repo, "main", "config.json");
 * ```
 */
export async function fileMetadata(
  settings: HubSettings,
  repo: HubRepo,
  revision: string,
  file: string,
): Promise<FileMetadata> {
  let url = resolveUrl(settings, repo, revision, file);
  for (let hop = 0; hop < 5; hop++) {
    const response = await hubFetch(settings, url, {
      method: "HEAD",
      follow: false,
      headers: { "accept-encoding": "identity" },
    });
    await response.body?.cancel();
    const h = response.headers;
    const linked = normalizeEtag(h.get("x-linked-etag"));
    const location = h.get("location");
    const redirect = response.status >= 300 && response.status < 400 && location;
    if (redirect && !linked && new URL(location, url).origin === new URL(url).origin) {
      url = new URL(location, url).href; // a renamed repository: ask again there
      continue;
    }
    if (!response.ok && !redirect) await throwHubError(response, settings, repo, file);
    const commit = h.get("x-repo-commit");
    const etag = linked ?? normalizeEtag(h.get("etag"));
    if (!commit || !etag) {
      throw new HubError(
        "network",
        `${settings.endpoint} gave no X-Repo-Commit or ETag for ${repo.name} ${file}; is ` +
          "HF_ENDPOINT a Hugging Face Hub?",
      );
    }
    // A redirect's Content-Length is its own body's: the file's size is X-Linked-Size.
    const size = Number(
      h.get("x-linked-size") ?? (redirect ? NaN : h.get("content-length") ?? NaN),
    );
    return {
      file,
      commit,
      etag,
      lfs: linked !== undefined && /^[0-9a-f]{64}$/.test(linked),
      size: Number.isFinite(size) ? size : undefined,
      downloadUrl: redirect ? new URL(location, url).href : url,
    };
  }
  throw new HubError("network", `too many redirects for ${repo.name} ${file}`);
}
