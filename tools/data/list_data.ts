/**
 * What `data list` prints: each task's file under the data folder, present or not, with its
 * rows, sha256 and origin from the manifest, and whether its bytes still match.
 *
 * @module
 */
import { fileSha256, readManifest } from "./manifest.ts";
import { DATA_SOURCES } from "./sources.ts";

/**
 * The table of the data folder, as text.
 *
 * @example
 * ```ts
 * import { listData } from "./list_data.ts";
 * console.assert(listData("/nonexistent").includes("missing"));
 * ```
 */
export function listData(dataDir: string): string {
  const manifest = readManifest(dataDir);
  const lines = [`data folder: ${dataDir}`];
  for (const source of DATA_SOURCES) {
    const entry = manifest.files[source.output];
    const sha = fileSha256(`${dataDir}/${source.output}`);
    const state = !sha
      ? "missing"
      : !entry
      ? "present (not in the manifest)"
      : entry.sha256 === sha
      ? `${entry.rows} rows, sha256 ${sha.slice(0, 12)}, from ${
        entry.source.repo
          ? `${entry.source.repo}@${entry.source.commit?.slice(0, 12)}`
          : entry.source.url
      }`
      : "changed since fetched (sha256 differs from the manifest)";
    lines.push(`${source.task.padEnd(14)} ${source.output.padEnd(48)} ${state}`);
  }
  return lines.join("\n");
}
