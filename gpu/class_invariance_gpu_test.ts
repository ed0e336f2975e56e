/*
 * Class mode's batch invariance on the CUDA backend (`deno task test:gpu`): short bf16 requests on
 * a Llama-2-7B shape — where cuBLAS picks its GEMM kernels by row count — score the same bits one
 * per engine call (`--batch-size 1`), packed, and packed in another order and grouping: the same
 * experts and greedy flags, and log-probabilities equal packed against packed, within 1e-9 alone
 * against packed (a request alone takes its log-softmax in f64 on the host, packed on the device;
 * the logits are the same bits). With GRIFFIN_INVARIANT_PRODUCTS=0 the two differ by up to 0.06
 * (H200, 2026-12-02), and other experts are chosen at density 0.5.
 */
import assert from "node:assert/strict";
import { cudaDeviceCount } from "../ffi/library.ts";
import { openModel } from "../engine/open.ts";
import { scoreBatch } from "../engine/score_batch.ts";
import type { ScoreRequest, ScoreResult } from "../engine/types.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";

/** 18 requests of 4 to 140 tokens, the lengths of PIQA's and Winogrande's choices and shorter. */
function shortRequests(vocab: number, density: number): ScoreRequest[] {
  return Array.from({ length: 18 }, (_, i) => ({
    contextIds: Array.from(
      { length: 3 + (i * 37) % 130 },
      (_, j) => 3 + (i * 911 + j * 7919) % (vocab - 3),
    ),
    continuationIds: Array.from(
      { length: 1 + i % 9 },
      (_, j) => 3 + (i * 13 + j * 104729) % (vocab - 3),
    ),
    mode: "class" as const,
    griffin: { density, method: "topk" as const, seed: 0 },
  }));
}

function assertSame(a: ScoreResult[], b: ScoreResult[], tolerance: number, what: string) {
  a.forEach((r, i) => {
    r.logprobs.forEach((p, t) => {
      const q = b[i].logprobs[t];
      assert.ok(
        Math.abs(p - q) <= tolerance,
        `log-probability ${t} of request ${i}, ${what}: ${q} vs ${p}`,
      );
    });
    assert.equal(b[i].greedy, r.greedy, `greedy flag of request ${i}, ${what}`);
    assert.deepEqual(b[i].experts, r.experts, `experts of request ${i}, ${what}`);
  });
}

Deno.test({
  name: `short bf16 class requests score alone as packed and regrouped (Llama-2-7B shape)${skip}`,
  ignore: devices === 0,
  fn: async () => {
    const model = await openModel("synthetic:llama2-7b", { device: "cuda:0", dtype: "bf16" });
    try {
      for (const density of [1, 0.5]) {
        const all = shortRequests(model.info.vocabSize, density);
        const alone = all.map((r) => scoreBatch(model.session, [r], { maxSequences: 1 })[0]);
        const packed = scoreBatch(model.session, all, { maxSequences: 64 });
        assertSame(alone, packed, 1e-9, `alone against packed at ${density}`);
        const order = all.map((_, i) => (i * 5) % all.length); // shuffled, in batches of 4
        const regrouped = scoreBatch(model.session, order.map((i) => all[i]), { maxSequences: 4 });
        assertSame(order.map((i) => packed[i]), regrouped, 0, `shuffled in fours at ${density}`);
      }
    } finally {
      model.close();
    }
  },
});
