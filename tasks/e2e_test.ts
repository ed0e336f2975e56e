/**
 * Every task end to end on the real stories260K model through the engine, with a few samples
 * of the shared data (or small files written here for tasks without shared data).
 */
import assert from "node:assert/strict";
import { defaultDataRoot } from "./data_path.ts";
import { describeTask, runTask, taskNames } from "./registry.ts";
import { jsonl, tempFile } from "./formats/_shared.ts";
import type { LanguageModel } from "../engine/types.ts";

const data = defaultDataRoot();
const modelPath = `${data}/models/stories260K/hf`;
const library = Deno.env.get("GRIFFIN_LIB") ??
  new URL("../cuda/build/libgriffin.so", import.meta.url).pathname;
const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
const missing = !exists(modelPath)
  ? `../shared/data/models/stories260K absent`
  : !exists(library)
  ? `native library ${library} absent (run deno task build)`
  : undefined;

/** Hand-made rows in the datasets' own schemas (testdata/tasks). */
const fixture = (name: string) => new URL(`../testdata/tasks/${name}`, import.meta.url).pathname;

/** The paper's tasks on their dataset-schema fixtures, and whether they have acc_norm. */
const DATASET_FIXTURES: [string, string, boolean][] = [
  ["boolq", "boolq.jsonl", false],
  ["copa", "copa.jsonl", false],
  ["piqa", "piqa.jsonl", true],
  ["arc_easy", "arc.jsonl", true],
  ["arc_challenge", "arc.jsonl", true],
  ["openbookqa", "openbookqa.jsonl", true],
  ["winogrande", "winogrande.jsonl", false],
];

/** Small files for tasks whose data is not in ../shared. */
async function writtenPaths(): Promise<Record<string, string>> {
  const story = "Lily had a red ball. She liked to play with it in the park.";
  return {
    cnn_dailymail: await tempFile(
      "cnn.jsonl",
      jsonl([
        { article: story, highlights: "Lily played with a red ball." },
        { article: "Tom saw a big dog. The dog was happy.", highlights: "Tom saw a dog." },
      ]),
    ),
    hellaswag: fixture("hellaswag.jsonl"),
    continuation: await tempFile(
      "continuation.jsonl",
      jsonl([
        { context: story, continuation: "Then she went home to eat." },
        { context: "Tom saw a big dog.", continuation: "The dog was happy." },
      ]),
    ),
    coqa: fixture("coqa.jsonl"),
  };
}

const griffin = { density: 0.5, method: "topk" as const, seed: 0 };

Deno.test({
  name: `every task runs end to end on stories260K with metrics and standard errors${
    missing ? ` (skipped: ${missing})` : ""
  }`,
  ignore: missing !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const { openModel } = await import("../engine/open.ts");
    const model: LanguageModel = await openModel(modelPath, { device: "cpu" });
    try {
      const written = await writtenPaths();
      for (const name of taskNames()) {
        const d = describeTask(name);
        const path = written[name] ??
          (name === "perplexity" ? `${data}/tasks/text/tinystories_val.txt` : undefined);
        const options = {
          path,
          limit: 2,
          agreement: true,
          ...(d.modes[0] === "gen" && !name.includes("perplexity") &&
              !["wikitext2", "tinystories"].includes(name)
            ? { maxNewTokens: 24 }
            : {}),
          ...(["wikitext2", "tinystories", "perplexity"].includes(name)
            ? { windowTokens: 128 }
            : {}),
        };
        const r = await runTask(model, name, options, griffin, d.modes[0]);
        assert.equal(
          r.samples + r.skipped,
          2,
          `${name}: ${r.samples} scored + ${r.skipped} skipped`,
        );
        if (r.samples === 0) continue; // all prompts longer than the 512-token model (XSum 1-shot)
        for (const metric of d.metrics) {
          const v = r.metrics[metric];
          assert.ok(
            v && Number.isFinite(v.value) && Number.isFinite(v.stderr),
            `${name}.${metric}`,
          );
        }
        assert.ok(Number.isFinite(r.metrics.agreement_kl?.value), `${name}.agreement_kl`);
        console.log(
          name,
          JSON.stringify(
            Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, +v.value.toFixed(4)])),
          ),
          `skipped ${r.skipped}`,
        );
      }
      for (const [name, file, accNorm] of DATASET_FIXTURES) {
        const r = await runTask(model, name, { path: fixture(file), limit: 2 }, griffin, "class");
        assert.equal(r.samples, 2, name);
        assert.match(r.rendering ?? "", /lm-evaluation-harness v0\.3/, name);
        assert.ok(Number.isFinite(r.metrics.acc.value), `${name}.acc`);
        assert.equal("acc_norm" in r.metrics, accNorm, `${name}.acc_norm`);
      }
    } finally {
      model.close();
    }
  },
});
