/**
 * Dataset repositories for the `data fetch` tests, in the layouts the Hub uses: `aps/super_glue`
 * with one folder per configuration (its old name `super_glue` absent), `ai2_arc` with nested
 * `choices`, and `hellaswag` whose `main` holds only a script and whose Parquet files are on
 * `refs/convert/parquet`. Plus the paper's XSum 1-shot file, served by URL.
 *
 * @module
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import { fakeCommit, type FakeRepo } from "../../../models/hub/testing/fake_hub.ts";

type Column = { name: string; data: unknown[]; type?: "STRING" | "INT32" | "INT64" };

function parquet(columns: Column[]): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData: columns as never }));
}

/** BoolQ rows as super_glue has them. */
export const BOOLQ_ROWS = [
  { question: "is the sky blue", passage: "The sky is blue.", idx: 0, label: 1 },
  { question: "is grass red", passage: "Grass is green.", idx: 1, label: 0 },
];

/** COPA rows as super_glue has them. */
export const COPA_ROWS = [{
  premise: "The man turned on the faucet.",
  choice1: "The toilet filled with water.",
  choice2: "Water flowed from the spout.",
  question: "effect",
  idx: 0,
  label: 1,
}];

/** ARC-Easy rows as ai2_arc has them. */
export const ARC_ROWS = [
  {
    id: "q1",
    question: "Which is a planet?",
    choices: { text: ["Mars", "Moon"], label: ["A", "B"] },
    answerKey: "A",
  },
];

/** HellaSwag rows as the Parquet conversion has them. */
export const HELLASWAG_ROWS = [{
  ind: 4,
  activity_label: "Removing ice from car",
  ctx_a: "Then, the man writes over the snow.",
  ctx_b: "then",
  ctx: "Then, the man writes over the snow. then",
  endings: [" a", " b", " c", " d"],
  source_id: "activitynet~v_-1IBHYS3L-Y",
  split: "val",
  split_type: "indomain",
  label: "3",
}];

/** CoQA rows as EleutherAI/coqa has them (turns as columns, additional answers by key). */
export const COQA_ROWS = [{
  id: "3zotghdk5ibi9cex97fepx7jetpso7",
  source: "wikipedia",
  story: "The Vatican Library is a library.",
  questions: { input_text: ["What is it?", "Where?"], turn_id: [1, 2] },
  answers: {
    span_start: [4, 0],
    span_end: [32, 3],
    span_text: ["Vatican Library is a library", "The"],
    input_text: ["a library", "Vatican"],
    turn_id: [1, 2],
  },
  additional_answers: {
    "0": {
      span_start: [4, 0],
      span_end: [32, 3],
      span_text: ["Vatican Library", "The"],
      input_text: ["library", "the Vatican"],
      turn_id: [1, 2],
    },
  },
}];

/** The paper's XSum 1-shot file (two rows). */
export const XSUM_TEXT = [
  { article: "###\nArticle: one.\n\nSummary:", summary_gt: "One.", temperature: 0.3 },
  { article: "###\nArticle: two.\n\nSummary:", summary_gt: "Two.", temperature: 0.3 },
].map((r) => JSON.stringify(r)).join("\n") + "\n";

function columns(rows: Record<string, unknown>[], ints: Record<string, "INT32" | "INT64">) {
  return Object.keys(rows[0]).map((name): Column => ({
    name,
    data: rows.map((r) => ints[name] === "INT64" ? BigInt(r[name] as number) : r[name]),
    type: ints[name] ?? (typeof rows[0][name] === "string" ? "STRING" : undefined),
  }));
}

/** The dataset repositories. */
export function datasetRepos(): FakeRepo[] {
  const boolq = parquet(columns(BOOLQ_ROWS, { idx: "INT32", label: "INT64" }));
  const train = parquet(columns([{ ...BOOLQ_ROWS[0], idx: 9 }], { idx: "INT32", label: "INT64" }));
  return [
    {
      type: "dataset",
      name: "aps/super_glue",
      commit: fakeCommit("super_glue"),
      files: {
        "README.md": { bytes: new TextEncoder().encode("# SuperGLUE") },
        "boolq/train-00000-of-00001.parquet": { bytes: train, lfs: true },
        "boolq/validation-00000-of-00001.parquet": { bytes: boolq, lfs: true },
        "copa/validation-00000-of-00001.parquet": {
          bytes: parquet(columns(COPA_ROWS, { idx: "INT32", label: "INT64" })),
          lfs: true,
        },
      },
    },
    {
      type: "dataset",
      name: "ai2_arc",
      commit: fakeCommit("arc"),
      files: {
        "ARC-Easy/test-00000-of-00001.parquet": {
          bytes: parquet(columns(ARC_ROWS, {})),
          lfs: true,
        },
        "ARC-Challenge/test-00000-of-00001.parquet": {
          bytes: parquet(columns([{ ...ARC_ROWS[0], id: "c1" }], {})),
          lfs: true,
        },
      },
    },
    {
      type: "dataset",
      name: "EleutherAI/coqa",
      commit: fakeCommit("coqa"),
      files: {
        "data/validation-00000-of-00001.parquet": {
          bytes: parquet(columns(COQA_ROWS, {})),
          lfs: true,
        },
      },
    },
    {
      type: "dataset",
      name: "hellaswag",
      commit: fakeCommit("hellaswag-main"),
      files: { "hellaswag.py": { bytes: new TextEncoder().encode("# a loading script") } },
    },
    {
      type: "dataset",
      name: "hellaswag",
      commit: fakeCommit("hellaswag-parquet"),
      refs: ["refs/convert/parquet"],
      files: {
        "default/validation/0000.parquet": {
          bytes: parquet(columns(HELLASWAG_ROWS, { ind: "INT32" })),
          lfs: true,
        },
      },
    },
  ];
}
