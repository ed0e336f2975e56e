/*
 * Batching changes nothing a task reports: the same samples, metrics and experts whether the
 * model scores one request per engine call or many (the shipped model, the original-schema task
 * fixtures and a few samples of the shared PIQA, class mode and gen mode, GRIFFIN at 0.5 and the
 * full model).
 */
import assert from "node:assert/strict";
import { openModel } from "../engine/open.ts";
import { librarySkip, sharedData, sharedSkip } from "../testdata/fixtures.ts";
import type { BatchLimits } from "../engine/score_batch.ts";
import type { Mode } from "../engine/types.ts";
import { runTask } from "./registry.ts";
import type { SampleRecord } from "./types.ts";

const MODEL = new URL("../models/griffin-mini-llama", import.meta.url).pathname;
const data = (file: string) => new URL(`../testdata/tasks/${file}`, import.meta.url).pathname;
const TASKS: [string, string][] = [
  ["piqa", "piqa.jsonl"],
  ["boolq", "boolq.jsonl"],
  ["winogrande", "winogrande.jsonl"],
  ["hellaswag", "hellaswag.jsonl"],
  ["arc_easy", "arc.jsonl"],
  ["copa", "copa.jsonl"],
  ["openbookqa", "openbookqa.jsonl"],
];

/** A task's samples (id, metrics, output) with the model batching as `batch` says. */
async function samplesOf(
  batch: BatchLimits,
  task: string,
  options: Record<string, unknown>,
  mode: Mode,
  density: number,
) {
  const model = await openModel(MODEL, { device: "cpu", batch });
  const samples: SampleRecord[] = [];
  try {
    assert.equal(model.generatesTogether, batch.generation === true);
    await runTask(
      model,
      task,
      options,
      { density, method: "topk", seed: 1 },
      mode,
      (s) => void samples.push(s),
    );
  } finally {
    model.close();
  }
  return samples.map((s) => ({ id: s.id, metrics: s.metrics, output: s.output }));
}

/** Multiple-choice tasks: the name, what the test calls it, its options, why it would skip. */
const CHOICES: [string, string, Record<string, unknown>, string][] = [
  ...TASKS.map(([task, file]): [string, string, Record<string, unknown>, string] => [
    task,
    task,
    { path: data(file) },
    librarySkip,
  ]),
  ["piqa", "piqa (8 shared samples)", { limit: 8 }, sharedSkip],
];

for (const [task, label, options, skip] of CHOICES) {
  Deno.test({
    name: `${label}: batch size 32 and 1 give the same samples in mode class and mode gen${skip}`,
    ignore: skip !== "",
    fn: async () => {
      for (const mode of ["class", "gen"] as const) {
        for (const density of [1, 0.5]) {
          const one = await samplesOf({ maxSequences: 1 }, task, options, mode, density);
          assert.ok(one.length > 0);
          const many = await samplesOf({ maxSequences: 32 }, task, options, mode, density);
          assert.deepEqual(many, one, `${mode} mode at density ${density}`);
        }
      }
    },
  });
}

const GENERATION: [string, Record<string, unknown>, string][] = [
  ["coqa", { path: data("coqa.jsonl"), agreement: true }, librarySkip],
  [
    "gsm8k",
    { path: `${sharedData}tasks/gsm8k/gsm8k.jsonl`, limit: 7, maxNewTokens: 24 },
    sharedSkip,
  ],
];

for (const [task, options, skip] of GENERATION) {
  Deno.test({
    name: `${task}: generation decoded together gives the samples it gives one at a time${skip}`,
    ignore: skip !== "",
    fn: async () => {
      for (const density of [1, 0.5]) {
        const one = await samplesOf({ maxSequences: 3 }, task, options, "gen", density);
        assert.ok(one.length >= 2, `${one.length} samples`);
        const together = { maxSequences: 3, generation: true };
        assert.deepEqual(await samplesOf(together, task, options, "gen", density), one);
      }
    },
  });
}
