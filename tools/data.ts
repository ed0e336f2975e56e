/**
 * `deno task data fetch [TASK…]` downloads the paper's task data — the Hub datasets its
 * lm-evaluation-harness loads, read from their Parquet files, and the 1-shot XSum and
 * CNN/DailyMail files its repository ships — into `$GRIFFIN_DATA` (default
 * `~/.cache/griffin-bench/data`) as JSONL in the datasets' own schemas, at the paths the tasks
 * read by default, with a manifest of each file's sha256. `deno task data list` shows what is
 * there. The Hub rules are the models' (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HUB_OFFLINE=1).
 *
 * @module
 */
import { diskError } from "../models/hub/download_blob.ts";
import { HubError } from "../models/hub/hub_error.ts";
import { hubSettings } from "../models/hub/hub_settings.ts";
import { griffinDataDir } from "../tasks/data_path.ts";
import { fetchHubDataset } from "./data/fetch_hub_dataset.ts";
import { fetchPaperFile } from "./data/fetch_paper_file.ts";
import { listData } from "./data/list_data.ts";
import { readManifest, recordInManifest } from "./data/manifest.ts";
import { DATA_SOURCES, selectSources, SOURCE_GROUPS } from "./data/sources.ts";

const USAGE = `usage: deno task data fetch [TASK…]   download task data into $GRIFFIN_DATA
       deno task data list              show what is there
tasks: ${[...DATA_SOURCES.map((s) => s.task), ...Object.keys(SOURCE_GROUPS)].join(", ")}`;

/** Runs `data` with its arguments; returns the exit code. */
export async function dataCommand(args: string[]): Promise<number> {
  const [command, ...names] = args;
  const dataDir = griffinDataDir();
  if (command === "list" && names.length === 0) {
    console.log(listData(dataDir));
    return 0;
  }
  if (command !== "fetch" || names.some((n) => n.startsWith("-"))) {
    console.error(command === "--help" || command === undefined ? USAGE : `error: ${USAGE}`);
    return command === "--help" ? 0 : 2;
  }
  let sources;
  try {
    sources = selectSources(names);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  // Each source on its own: one that fails is reported and the others are still fetched.
  const settings = hubSettings();
  let code = 0;
  for (const source of sources) {
    try {
      const previous = readManifest(dataDir).files[source.output];
      const entry = source.kind === "hub"
        ? await fetchHubDataset(source, settings, dataDir)
        : await fetchPaperFile(source, settings, dataDir, previous);
      await recordInManifest(dataDir, source.output, entry);
      const from = entry.source.repo
        ? `${entry.source.repo}@${entry.source.commit!.slice(0, 12)}`
        : entry.source.url;
      console.log(
        `${source.task}: ${entry.rows} row${
          entry.rows === 1 ? "" : "s"
        } → ${dataDir}/${source.output} (${from})`,
      );
    } catch (thrown) {
      const error = diskError(thrown, dataDir);
      console.error(`error: ${(error as Error).message}`);
      const bad = error instanceof HubError && error.kind !== "network";
      code = Math.max(code, bad ? 2 : 1);
    }
  }
  return code;
}

if (import.meta.main) Deno.exit(await dataCommand(Deno.args));
