/**
 * One of the GRIFFIN repository's 1-shot files (XSum, CNN/DailyMail), fetched by URL straight
 * into the data folder: through `<file>.incomplete`, resumed with a Range request when cut,
 * checked to be JSONL with `article` and `summary_gt` before it takes its name. The Hub token is
 * never sent there. Offline, a file already present is kept and a missing one is an error.
 *
 * @module
 */
import { join } from "node:path";
import { downloadBlob } from "../../models/hub/download_blob.ts";
import { HubError } from "../../models/hub/hub_error.ts";
import type { HubSettings } from "../../models/hub/hub_settings.ts";
import { fileSha256, type ManifestEntry } from "./manifest.ts";
import { PAPER_DATA_URL, type PaperFileSource } from "./sources.ts";

/**
 * Fetches `source` into `dataDir` from `$GRIFFIN_PAPER_DATA_URL` (default: the GRIFFIN
 * repository's `data/` on GitHub at a fixed commit).
 *
 * @example
 * ```ts ignore
 * const entry = await fetchPaperFile(source, hubSettings(), griffinDataDir(), previous);
 * ```
 */
export async function fetchPaperFile(
  source: PaperFileSource,
  settings: HubSettings,
  dataDir: string,
  previous?: ManifestEntry,
): Promise<ManifestEntry> {
  const base = (Deno.env.get("GRIFFIN_PAPER_DATA_URL") || PAPER_DATA_URL).replace(/\/+$/, "");
  const url = `${base}/${source.file}`;
  const output = join(dataDir, source.output);
  const present = fileSha256(output);
  if (present && previous && previous.sha256 === present && previous.source.url === url) {
    return previous;
  }
  if (settings.offline && !present) {
    throw new HubError(
      "offline",
      `task ${source.task}: ${output} is missing and HF_HUB_OFFLINE=1; run once online`,
    );
  }
  if (!present || !settings.offline) {
    await Deno.mkdir(join(output, ".."), { recursive: true });
    const meta = { file: source.file, commit: "", etag: "", lfs: false, downloadUrl: url };
    const repo = { name: base, type: "dataset" as const, revision: "main" };
    try {
      await downloadBlob(settings, repo, meta, `${output}.download`);
    } catch (error) {
      if (error instanceof HubError && error.kind !== "network" && error.kind !== "disk-full") {
        throw new HubError(error.kind, `task ${source.task}: ${url} was not found`);
      }
      throw error;
    }
    const rows = checkRows(`${output}.download`, source.task);
    await Deno.rename(`${output}.download`, output);
    return entry(source, output, url, rows);
  }
  return entry(source, output, url, checkRows(output, source.task));
}

function entry(source: PaperFileSource, output: string, url: string, rows: number): ManifestEntry {
  const sha256 = fileSha256(output)!;
  return {
    task: source.task,
    sha256,
    bytes: Deno.statSync(output).size,
    rows,
    source: { url, files: [{ path: source.file, sha256 }] },
    fetchedAt: new Date().toISOString(),
  };
}

function checkRows(path: string, task: string): number {
  const lines = Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "");
  lines.forEach((line, i) => {
    let row: Record<string, unknown> | undefined;
    try {
      row = JSON.parse(line);
    } catch {
      // reported below
    }
    if (typeof row?.article !== "string" || typeof row?.summary_gt !== "string") {
      Deno.removeSync(path);
      throw new HubError(
        "entry-not-found",
        `task ${task}: the downloaded file is not the paper's JSONL (line ${i + 1} lacks ` +
          "article or summary_gt)",
      );
    }
  });
  return lines.length;
}
