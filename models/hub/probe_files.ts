/**
 * The fallback when an endpoint has no revision API: the commit from a HEAD on the first file,
 * then which of the wanted files exist, one HEAD each (`EntryNotFound` means absent).
 *
 * @module
 */
import { fileMetadata } from "./file_metadata.ts";
import { HubError } from "./hub_error.ts";
import type { HubRepo } from "./hub_id.ts";
import type { HubSettings } from "./hub_settings.ts";
import type { RepoInfo } from "./repo_info.ts";

/**
 * Lists which of `wanted` exist at `repo.revision` (the first must exist).
 *
 * @example
 * ```ts ignore
 * const info = await listByProbing(settings, repo, ["config.json", "model.safetensors"]);
 * ```
 */
export async function listByProbing(
  settings: HubSettings,
  repo: HubRepo,
  wanted: readonly string[],
): Promise<RepoInfo> {
  const first = await fileMetadata(settings, repo, repo.revision, wanted[0]);
  const files = [wanted[0]];
  for (const file of wanted.slice(1)) {
    try {
      await fileMetadata(settings, repo, first.commit, file);
      files.push(file);
    } catch (error) {
      if (!(error instanceof HubError && error.kind === "entry-not-found")) throw error;
    }
  }
  return { commit: first.commit, files };
}
