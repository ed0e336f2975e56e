/*
 * Every supported architecture against transformers and the PyTorch GRIFFIN reference, on tiny
 * random models made by tools/arch_reference/make_arch_references.py (testdata/arch/NAME/ and
 * NAME.json): logits within fp32 tolerance, identical experts, identical greedy tokens, and
 * log-likelihoods within fp32 tolerance, on the CPU backend.
 */
import assert from "node:assert/strict";
import { NativeSession } from "../ffi/session.ts";
import { openModel } from "./open.ts";
import { GREEDY } from "./sampler.ts";
import type { SelectionMethod } from "./types.ts";
import { loadModelFolder } from "../models/load.ts";
import { librarySkip } from "../testdata/fixtures.ts";
import { folderTensors, writeModelFolder } from "../testdata/model_folders.ts";
import { assertClose } from "../testdata/assert_close.ts";

// The architectures with a tiny model in testdata/arch/.
const ARCHITECTURE_FIXTURES = [
  "llama2",
  "relu-llama2",
  "llama3",
  "mistral",
  "qwen2",
  "gemma",
  "opt",
  "opt-350m",
  "mistral-window16",
] as const;

const ignore = librarySkip !== "";
const LOGIT_TOLERANCE = 1e-4; // |engine − transformers| ≤ 1e-4·(1 + |transformers|)
const SCORE_TOLERANCE = 1e-4;

type Experts = (number[] | null)[] | null;

// The fixture folder of an architecture.
function fixtureFolder(name: string): string {
  return new URL(`../testdata/arch/${name}`, import.meta.url).pathname;
}

function readReference(name: string) {
  return JSON.parse(Deno.readTextFileSync(`${fixtureFolder(name)}.json`));
}

async function withModel(name: string, fn: (m: Awaited<ReturnType<typeof openModel>>) => void) {
  const model = await openModel(fixtureFolder(name), { device: "cpu" });
  try {
    fn(model);
  } finally {
    model.close();
  }
}

for (const name of ARCHITECTURE_FIXTURES) {
  Deno.test({
    name:
      `${name}: logits at every position match transformers within fp32 tolerance${librarySkip}`,
    ignore,
    fn: () =>
      withModel(name, (m) => {
        for (const c of readReference(name).full_logits) {
          m.session.setGriffin(Array(m.info.layers).fill(1), "topk", 0);
          const logits = m.session.prompt(new Int32Array(c.prompt_ids), true);
          assertClose(logits, c.logits.flat(), LOGIT_TOLERANCE, `${name} logits`);
        }
      }),
  });

  Deno.test({
    name:
      `${name}: gen mode keeps the reference's experts and greedy tokens at every density${librarySkip}`,
    ignore,
    fn: () =>
      withModel(name, (m) => {
        const reference = readReference(name);
        for (const c of [...reference.gen_cases, ...reference.schedule_cases]) {
          const density = c.densities ?? c.density;
          const what = `${name} ${c.method} at ${density} on ${c.prompt_ids.length} tokens`;
          const result = m.generate({
            promptIds: c.prompt_ids,
            maxNewTokens: c.greedy_ids.length,
            sampling: GREEDY,
            griffin: { density, method: c.method as SelectionMethod, seed: 0 },
            stopTokenIds: [],
          });
          assert.deepEqual(result.experts, c.experts as Experts, `experts, ${what}`);
          assert.deepEqual(result.outputIds, c.greedy_ids, `greedy ids, ${what}`);
          if (c.scores && c.method !== "magnitude") {
            for (const [l, s] of c.scores.entries()) {
              assertClose(m.session.neuronScores(l)!, s, SCORE_TOLERANCE, `scores ${l}, ${what}`);
            }
          }
        }
      }),
  });

  Deno.test({
    name: `${name}: class and gen log-likelihoods and experts match the reference${librarySkip}`,
    ignore,
    fn: () =>
      withModel(name, (m) => {
        const reference = readReference(name);
        for (const c of [...reference.class_cases, ...reference.gen_score_cases]) {
          const what = `${name} ${c.mode} ${c.method} at ${c.density}, ` +
            `${c.context_ids.length}+${c.continuation_ids.length}`;
          const result = m.score({
            contextIds: c.context_ids,
            continuationIds: c.continuation_ids,
            mode: c.mode,
            griffin: { density: c.density, method: c.method as SelectionMethod, seed: 0 },
          });
          assert.deepEqual(result.experts, c.experts as Experts, `experts, ${what}`);
          assertClose(result.logprobs, c.logprobs, SCORE_TOLERANCE, `logprobs, ${what}`);
          assert.equal(result.greedy, c.greedy, `greedy, ${what}`);
        }
      }),
  });
}

for (const name of ARCHITECTURE_FIXTURES) {
  Deno.test({
    name:
      `${name}: its tokenizer.json encodes as Python's tokenizers, BOS by the paper's policy${librarySkip}`,
    ignore,
    fn: () =>
      withModel(name, (m) => {
        const bos = name === "gemma" ? [m.encode("", { addBos: true })[0]] : [];
        for (const c of readReference(name).tokenizer_cases) {
          assert.deepEqual(m.encode(c.text, { addBos: false }), c.ids, c.text);
          assert.deepEqual(m.encode(c.text), [...bos, ...c.ids], `${c.text}, default policy`);
          if (!c.ids.includes(0)) { // <unk> (0) is dropped on decoding
            assert.equal(m.decode(c.ids), c.text, `${c.text}, decoded`);
          }
        }
      }),
  });
}

Deno.test({
  name: `mistral's sliding window changes the logits only past the window${librarySkip}`,
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const from = fixtureFolder("mistral");
      writeModelFolder(dir, from, folderTensors(from), { config: { sliding_window: null } });
      const ids = new Int32Array(readReference("mistral").full_logits[0].prompt_ids);
      const logits = (folder: string) => {
        const { model } = loadModelFolder(folder, { device: -1 });
        const session = new NativeSession(model, 64);
        try {
          return session.prompt(ids, true);
        } finally {
          session.close();
          model.close();
        }
      };
      const windowed = logits(from), full = logits(dir);
      const vocab = windowed.length / ids.length, window = 8;
      assert.deepEqual(windowed.slice(0, window * vocab), full.slice(0, window * vocab));
      let largest = 0;
      for (let i = window * vocab; i < windowed.length; i++) {
        largest = Math.max(largest, Math.abs(windowed[i] - full[i]));
      }
      assert.ok(largest > 0.1, `past the window the logits differ by ${largest} at most`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `every architecture is accepted for a CUDA device: none is refused for an option${librarySkip}`,
  ignore,
  fn: () => {
    for (const name of ARCHITECTURE_FIXTURES) {
      try { // without a GPU the device is missing; with one the model loads
        loadModelFolder(fixtureFolder(name), { device: 0 }).model.close();
      } catch (e) {
        assert.match((e as Error).message, /cuda:0 does not exist|no CUDA backend/, `${name}: ${e}`);
        assert.doesNotMatch((e as Error).message, /cannot run|does not run/, name);
      }
    }
  },
});
