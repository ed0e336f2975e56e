/*
 * Class-mode batches on the CUDA backend (`deno task test:gpu`): a packed batch on the GPU scores
 * each request as the CPU backend scores it alone — identical experts and greedy flags,
 * log-probabilities within 1e-4 (f32 fixtures) — and a bf16 batch as the GPU scores each alone
 * (2e-3 absolute).
 */
import assert from "node:assert/strict";
import { cudaDeviceCount } from "../ffi/library.ts";
import { openModel } from "../engine/open.ts";
import { scoreBatch } from "../engine/score_batch.ts";
import type { ScoreRequest, SelectionMethod } from "../engine/types.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";
const ignore = devices === 0;

function fixture(name: string): string {
  return new URL(`../testdata/arch/${name}`, import.meta.url).pathname;
}

function requests(vocab: number, density: number, method: SelectionMethod): ScoreRequest[] {
  return Array.from({ length: 20 }, (_, i) => ({
    contextIds: Array.from(
      { length: 3 + (i * 7) % 60 },
      (_, j) => 3 + (i * 31 + j * 17) % (vocab - 3),
    ),
    continuationIds: Array.from(
      { length: 1 + i % 6 },
      (_, j) => 3 + (i * 13 + j * 29) % (vocab - 3),
    ),
    mode: "class" as const,
    griffin: { density, method, seed: 4 },
  }));
}

const SETTINGS = [[1, "topk"], [0.5, "topk"], [0.25, "topk"], [0.5, "random"], [
  0.5,
  "magnitude",
]] as const;

for (const name of ["llama2", "qwen2", "gemma", "opt", "opt-350m", "mistral-window16"]) {
  Deno.test({
    name: `${name}: a class-mode batch on the GPU scores each request as the CPU does alone${skip}`,
    ignore,
    fn: async () => {
      const cpu = await openModel(fixture(name), { device: "cpu" });
      const gpu = await openModel(fixture(name), { device: "cuda:0", dtype: "f32" });
      try {
        for (const [density, method] of SETTINGS) {
          const all = requests(cpu.info.vocabSize, density, method);
          const alone = all.map((r) => cpu.score(r));
          const order = all.map((_, i) => (i * 7) % all.length); // shuffled
          const batched = scoreBatch(gpu.session, order.map((i) => all[i]), { maxSequences: 8 });
          order.forEach((i, k) => {
            const what = `${name} request ${i}, ${method} at ${density}`;
            assert.deepEqual(batched[k].experts, alone[i].experts, `experts, ${what}`);
            assert.equal(batched[k].greedy, alone[i].greedy, `greedy, ${what}`);
            alone[i].logprobs.forEach((a, t) => {
              const b = batched[k].logprobs[t];
              assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(a)), `${what}: ${b} vs ${a}`);
            });
          });
        }
      } finally {
        cpu.close();
        gpu.close();
      }
    },
  });
}

Deno.test({
  name: `a bf16 batch on the GPU scores as the GPU does one request at a time${skip}`,
  ignore,
  fn: async () => {
    const gpu = await openModel("synthetic:tiny", { device: "cuda:0", dtype: "bf16" });
    try {
      for (const [density, method] of SETTINGS) {
        const all = requests(gpu.info.vocabSize, density, method);
        const alone = all.map((r) => gpu.score(r));
        const batched = scoreBatch(gpu.session, all, { maxSequences: 16 });
        let kept = 0, differ = 0; // bf16 GEMMs of other heights may swap a near-tied neuron
        all.forEach((_, i) => {
          (alone[i].experts ?? []).forEach((e, l) => {
            const mine = new Set(batched[i].experts![l]!);
            kept += e!.length;
            differ += e!.filter((j) => !mine.has(j)).length;
          });
          alone[i].logprobs.forEach((a, t) => {
            assert.ok(
              Math.abs(a - batched[i].logprobs[t]) <= 2e-3,
              `${i}: ${batched[i].logprobs[t]} vs ${a}`,
            );
          });
        });
        assert.ok(
          differ <= 0.01 * kept,
          `${differ} of ${kept} experts differ, ${method} at ${density}`,
        );
      }
    } finally {
      gpu.close();
    }
  },
});
