/**
 * A revision's commit and file list from the Hub's API (`GET /api/models/ORG/NAME/revision/REV`,
 * the call huggingface_hub's `snapshot_download` makes): `sha` and `siblings[].rfilename`.
 *
 * @module
 */
import { HubError } from "./hub_error.ts";
import { hubFetch, revisionUrl, throwHubError } from "./hub_http.ts";
import type { HubRepo } from "./hub_id.ts";
import type { HubSettings } from "./hub_settings.ts";
import { COMMIT_HASH } from "./cache_layout.ts";

/** A revision as the API describes it. */
export interface RepoInfo {
  /** The commit the revision points to. */
  commit: string;
  /** Every file of the commit, by path. */
  files: string[];
}

/**
 * Asks the API about `repo.revision`; undefined when this endpoint has no such API (a plain
 * 404 without the Hub's `X-Error-Code`), so the caller can probe files one by one instead.
 *
 * @example
 * ```ts ignore
 * const info = await repoInfo(settings, { name: "google/gemma-7b", type: "model", revision: "main" });
 * ```
 */
export async function repoInfo(
  settings: HubSettings,
  repo: HubRepo,
): Promise<RepoInfo | undefined> {
  const response = await hubFetch(settings, revisionUrl(settings, repo), {
    headers: { accept: "application/json" },
  });
  if (response.status === 404 && !response.headers.has("x-error-code")) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) await throwHubError(response, settings, repo);
  let body: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  try {
    body = await response.json();
  } catch (cause) {
    throw new HubError("network", `${settings.endpoint}: the revision API answered no JSON`, {
      cause,
    });
  }
  const commit = String(body.sha ?? "");
  if (!COMMIT_HASH.test(commit)) {
    throw new HubError("network", `${settings.endpoint}: the revision API gave no commit (sha)`);
  }
  const files = (body.siblings ?? []).map((s) => String(s.rfilename ?? "")).filter(Boolean);
  return { commit, files };
}
