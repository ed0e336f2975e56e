/*
 * Batched decoding on the CUDA backend (`deno task test:gpu`): sequences decoded together give
 * what each gets alone — the tiny architectures in f32 against the CPU backend (identical greedy
 * tokens and experts), and synthetic models of each form against the GPU's own one-at-a-time
 * decoding (logits within 1e-4 in f32, 2e-2 in bf16, whose products round their inputs).
 */
import assert from "node:assert/strict";
import { relativeError } from "../testdata/assert_close.ts";
import { cudaDeviceCount } from "../ffi/library.ts";
import type { EngineConfig } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { NativeSession, type TargetScore } from "../ffi/session.ts";
import { logSoftmax } from "../engine/log_softmax.ts";
import { openModel } from "../engine/open.ts";
import { GEMMA_FORM, LLAMA_FORM, OPT_FORM } from "./_forms.ts";
import { argmax, GREEDY } from "../engine/sampler.ts";
import type { GenerateRequest, SelectionMethod } from "../engine/types.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";
const ignore = devices === 0;

function fixture(name: string): string {
  return new URL(`../testdata/arch/${name}`, import.meta.url).pathname;
}

function requests(vocab: number, density: number, method: SelectionMethod): GenerateRequest[] {
  return Array.from({ length: 6 }, (_, i) => ({
    promptIds: Array.from({ length: 4 + i * 13 }, (_, j) => 3 + (i * 31 + j * 17) % (vocab - 3)),
    maxNewTokens: 8 + i * 3,
    sampling: GREEDY,
    griffin: { density, method, seed: 6 },
    stopTokenIds: [],
  }));
}

for (const name of ["llama2", "mistral-window16", "qwen2", "gemma", "opt", "opt-350m"]) {
  Deno.test({
    name: `${name}: decoding together on the GPU gives each request the CPU's tokens alone${skip}`,
    ignore,
    fn: async () => {
      const cpu = await openModel(fixture(name), { device: "cpu" });
      const gpu = await openModel(fixture(name), {
        device: "cuda:0",
        dtype: "f32",
        batch: { maxSequences: 4 },
      });
      try {
        for (
          const [density, method] of [[1, "topk"], [0.5, "topk"], [0.25, "magnitude"]] as const
        ) {
          const all = requests(cpu.info.vocabSize, density, method);
          const together = gpu.generateMany(all);
          all.forEach((r, i) => {
            const alone = cpu.generate(r);
            const what = `${name} request ${i}, ${method} at ${density}`;
            assert.deepEqual(together[i].experts, alone.experts, `experts, ${what}`);
            assert.deepEqual(together[i].outputIds, alone.outputIds, `tokens, ${what}`);
          });
        }
      } finally {
        cpu.close();
        gpu.close();
      }
    },
  });
}

const FORMS: Record<string, EngineConfig> = { llama: LLAMA_FORM, gemma: GEMMA_FORM, opt: OPT_FORM };

for (const [form, base] of Object.entries(FORMS)) {
  Deno.test({
    name:
      `a batched decoding step of a ${form}-form model equals its sequences decoded alone${skip}`,
    ignore,
    fn: () => {
      for (const dtype of ["f32", "bf16"] as const) {
        const model = new NativeModel({ ...base, dtype }, 0);
        model.synthesize(5n);
        model.finalize();
        const alone = Array.from({ length: 5 }, () => new NativeSession(model, 256));
        const together = Array.from({ length: 5 }, () => new NativeSession(model, 256));
        try {
          for (const density of [1, 0.5]) {
            [alone, together].forEach((sessions) =>
              sessions.forEach((s, b) => {
                s.setGriffin([density, density, density], "topk", 0);
                s.prompt(
                  Int32Array.from({ length: 10 + 17 * b }, (_, j) => (b * 97 + j * 13) % 2048),
                );
              })
            );
            let worst = 0;
            for (let t = 0; t < 12; t++) {
              const ids = together.map((_, b) => (t * 31 + b * 7) % 2048);
              const batch = NativeSession.decodeBatch(together, ids);
              alone.forEach((s, b) => {
                const row = batch.subarray(b * 2048, (b + 1) * 2048);
                worst = Math.max(worst, relativeError(row, s.decode(ids[b])));
              });
            }
            console.log(
              `${form} ${dtype} at ${density}: worst rel error ${worst.toExponential(2)}`,
            );
            assert.ok(
              worst < (dtype === "f32" ? 1e-4 : 2e-2),
              `${form} ${dtype} ${density}: ${worst}`,
            );
          }
        } finally {
          [...alone, ...together].forEach((s) => s.close());
          model.close();
        }
      }
    },
  });
}

/**
 * Four sets of five sessions on a bf16 Llama-form model, each set's sequences prompted alike, at
 * densities 1 and 0.5 in turn; `decode(sets, density)` drives them. Closes everything after.
 */
function fourWays(decode: (sets: NativeSession[][], density: number) => void): void {
  const model = new NativeModel({ ...LLAMA_FORM, dtype: "bf16" }, 0);
  model.synthesize(5n);
  model.finalize();
  const sets = [0, 1, 2, 3].map(() =>
    Array.from({ length: 5 }, () => new NativeSession(model, 256))
  );
  try {
    for (const density of [1, 0.5]) {
      sets.forEach((sessions) =>
        sessions.forEach((s, b) => {
          s.setGriffin([density, density, density], "topk", 0);
          s.prompt(Int32Array.from({ length: 10 + 17 * b }, (_, j) => (b * 97 + j * 13) % 2048));
        })
      );
      decode(sets, density);
    }
  } finally {
    sets.flat().forEach((s) => s.close());
    model.close();
  }
}

Deno.test({
  name: `greedy tokens from the device, batched and alone, are the logits' argmax${skip}`,
  ignore,
  fn: () =>
    // batched: greedy, logits; alone (another path, so other bits): greedy, logits
    fourWays((sets, density) => {
      let ids = [3, 99, 1000, 2047, 5];
      for (let t = 0; t < 12; t++) {
        const tokens = NativeSession.decodeBatchGreedy(sets[0], ids);
        const logits = NativeSession.decodeBatch(sets[1], ids);
        const want = ids.map((_, b) => argmax(logits, b * 2048, 2048));
        assert.deepEqual([...tokens], want, `density ${density}, step ${t}`);
        const alone = sets[2].map((s, b) => s.decodeGreedy(ids[b]));
        const aloneWant = sets[3].map((s, b) => argmax(s.decode(ids[b])));
        assert.deepEqual(alone, aloneWant, `alone, density ${density}, step ${t}`);
        ids = want;
      }
    }),
});

Deno.test({
  name: `targets' scores from the device, batched and alone, are the logits' log-softmax${skip}`,
  ignore,
  fn: () => {
    const check = (got: TargetScore[], rows: Float32Array, targets: number[], what: string) =>
      got.forEach((score, b) => {
        const want = logSoftmax(rows, b * 2048, 2048)[targets[b]];
        assert.equal(
          score.greedy,
          argmax(rows, b * 2048, 2048) === targets[b],
          `${what}, row ${b}`,
        );
        assert.ok(
          Math.abs(score.logprob - want) < 1e-9,
          `${what}, row ${b}: ${score.logprob} ${want}`,
        );
      });
    // batched: scores, logits; alone: scores, logits
    fourWays((sets) => {
      let ids = [3, 99, 1000, 2047, 5];
      for (let t = 0; t < 12; t++) {
        const logits = NativeSession.decodeBatch(sets[1], ids);
        const best = ids.map((_, b) => argmax(logits, b * 2048, 2048));
        const targets = best.map((token, b) => (b + t) % 2 === 0 ? token : (token + 7) % 2048);
        check(
          NativeSession.decodeBatchScores(sets[0], ids, targets),
          logits,
          targets,
          `batched ${t}`,
        );
        const alone = sets[2].map((s, b) => s.decodeScore(ids[b], targets[b]));
        const rows = new Float32Array(5 * 2048);
        sets[3].forEach((s, b) => rows.set(s.decode(ids[b]), b * 2048));
        check(alone, rows, targets, `alone ${t}`);
        ids = targets;
      }
    });
  },
});
