/*
 * Gen-mode scoring decoded together on the CUDA backend (`deno task test:gpu`): teacher-forced
 * continuations advanced in decoding batches (EngineModel.scoreMany) score each request as the
 * CPU backend scores it alone — identical experts and greedy flags, log-probabilities within
 * 1e-4 (f32 fixtures).
 */
import assert from "node:assert/strict";
import { cudaDeviceCount } from "../ffi/library.ts";
import { openModel } from "../engine/open.ts";
import type { ScoreRequest, SelectionMethod } from "../engine/types.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";

function fixture(name: string): string {
  return new URL(`../testdata/arch/${name}`, import.meta.url).pathname;
}

function requests(vocab: number, density: number, method: SelectionMethod): ScoreRequest[] {
  return Array.from({ length: 12 }, (_, i) => ({
    contextIds: Array.from(
      { length: 4 + (i * 7) % 40 },
      (_, j) => 3 + (i * 31 + j * 17) % (vocab - 3),
    ),
    continuationIds: Array.from(
      { length: 1 + i % 5 },
      (_, j) => 3 + (i * 13 + j * 29) % (vocab - 3),
    ),
    mode: "gen" as const,
    griffin: { density, method, seed: 4 },
  }));
}

for (const name of ["llama2", "gemma", "opt"]) {
  Deno.test({
    name:
      `${name}: gen-mode requests decoded together on the GPU score as the CPU does alone${skip}`,
    ignore: devices === 0,
    fn: async () => {
      const cpu = await openModel(fixture(name), { device: "cpu" });
      const gpu = await openModel(fixture(name), {
        device: "cuda:0",
        dtype: "f32",
        batch: { maxSequences: 5 },
      });
      try {
        for (const [density, method] of [[1, "topk"], [0.5, "topk"], [0.5, "magnitude"]] as const) {
          const all = requests(cpu.info.vocabSize, density, method);
          const alone = all.map((r) => cpu.score(r));
          const together = gpu.scoreMany(all);
          all.forEach((_, i) => {
            const what = `${name} request ${i}, ${method} at ${density}`;
            assert.deepEqual(together[i].experts, alone[i].experts, `experts, ${what}`);
            assert.equal(together[i].greedy, alone[i].greedy, `greedy, ${what}`);
            assert.equal(together[i].logprobs.length, alone[i].logprobs.length, what);
            alone[i].logprobs.forEach((a, t) => {
              const b = together[i].logprobs[t];
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
