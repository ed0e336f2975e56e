/**
 * Where each task's data comes from and where it goes. The Hub datasets are the ones the
 * paper's lm-evaluation-harness (v0.3) loads — `super_glue`, `piqa`, `ai2_arc`, `openbookqa`,
 * `hellaswag`, `winogrande` — tried under their current owners too (`aps/super_glue`, …), and
 * CoQA as `EleutherAI/coqa`; XSum and CNN/DailyMail are the 1-shot files the GRIFFIN
 * repository ships. Outputs are the task catalogue's default paths under `$GRIFFIN_DATA`, so the
 * task loaders find them without options.
 *
 * @module
 */

/** A split of a Hub dataset, written as JSONL in the dataset's own schema. */
export interface HubDatasetSource {
  kind: "hub";
  /** The task name `data fetch` takes. */
  task: string;
  /** Dataset repositories to try in order (a repository that is not found: the next). */
  repos: string[];
  /** The dataset's configuration (`boolq`, `ARC-Easy`), if it has several. */
  config?: string;
  /** The split the paper evaluates. */
  split: string;
  /** Path under the data folder. */
  output: string;
}

/** A file the GRIFFIN repository ships, fetched by URL. */
export interface PaperFileSource {
  kind: "url";
  /** The task name `data fetch` takes. */
  task: string;
  /** Path of the file under the paper repository's `data/`. */
  file: string;
  /** Path under the data folder. */
  output: string;
}

/** One source. */
export type DataSource = HubDatasetSource | PaperFileSource;

/** The GRIFFIN repository's `data/` at the commit read for this project. */
export const PAPER_DATA_URL =
  "https://raw.githubusercontent.com/hdong920/GRIFFIN/d1d3d6eb9487a434a9278fe804105759a131a03d/data";

const SUPER_GLUE = ["super_glue", "aps/super_glue"];
const ARC = ["ai2_arc", "allenai/ai2_arc"];

/** Every source, in the order `data fetch` runs them. */
export const DATA_SOURCES: readonly DataSource[] = [
  hub("boolq", SUPER_GLUE, "boolq", "validation", "tasks/mc/boolq.jsonl"),
  hub("copa", SUPER_GLUE, "copa", "validation", "tasks/mc/copa.jsonl"),
  hub("piqa", ["piqa", "ybisk/piqa", "baber/piqa"], undefined, "validation", "tasks/mc/piqa.jsonl"),
  hub("arc_easy", ARC, "ARC-Easy", "test", "tasks/mc/arc_easy.jsonl"),
  hub("arc_challenge", ARC, "ARC-Challenge", "test", "tasks/mc/arc_challenge.jsonl"),
  hub(
    "openbookqa",
    ["openbookqa", "allenai/openbookqa"],
    "main",
    "test",
    "tasks/mc/openbook_qa.jsonl",
  ),
  hub(
    "hellaswag",
    ["hellaswag", "Rowan/hellaswag"],
    undefined,
    "validation",
    "tasks/mc/hellaswag.jsonl",
  ),
  hub(
    "winogrande",
    ["winogrande", "allenai/winogrande"],
    "winogrande_xl",
    "validation",
    "tasks/mc/winogrande.jsonl",
  ),
  hub("coqa", ["EleutherAI/coqa"], undefined, "validation", "tasks/coqa/coqa-dev-v1.0.json"),
  {
    kind: "url",
    task: "xsum",
    file: "xsum_data/xsum_1shot.jsonl",
    output: "tasks/xsum/xsum_1shot.jsonl",
  },
  {
    kind: "url",
    task: "cnn_dailymail",
    file: "cnn_data/cnn_dailymail_1shot.jsonl",
    output: "tasks/cnn_dailymail/cnn_dailymail_1shot.jsonl",
  },
];

/** Names that stand for several sources (lm-evaluation-harness's dataset name for ARC). */
export const SOURCE_GROUPS: Record<string, string[]> = {
  ai2_arc: ["arc_easy", "arc_challenge"],
  openbook_qa: ["openbookqa"],
};

function hub(
  task: string,
  repos: string[],
  config: string | undefined,
  split: string,
  output: string,
): HubDatasetSource {
  return { kind: "hub", task, repos, config, split, output };
}

/**
 * The sources named (all when none), or an error naming what is unknown.
 *
 * @example
 * ```ts
 * import { selectSources } from "./sources.ts";
 * console.assert(selectSources(["ai2_arc"]).length === 2);
 * ```
 */
export function selectSources(names: readonly string[]): DataSource[] {
  if (names.length === 0) return [...DATA_SOURCES];
  const known = [...DATA_SOURCES.map((s) => s.task), ...Object.keys(SOURCE_GROUPS)];
  const out: DataSource[] = [];
  for (const name of names) {
    const tasks = SOURCE_GROUPS[name] ?? [name];
    for (const task of tasks) {
      const source = DATA_SOURCES.find((s) => s.task === task);
      if (!source) throw new RangeError(`unknown task "${name}"; known: ${known.join(", ")}`);
      if (!out.includes(source)) out.push(source);
    }
  }
  return out;
}
