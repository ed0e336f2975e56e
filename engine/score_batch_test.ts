import assert from "node:assert/strict";
import { openModel } from "./open.ts";
import { planBatches, scoreBatch } from "./score_batch.ts";
import type { ScoreRequest, SelectionMethod } from "./types.ts";
import { librarySkip } from "../testdata/fixtures.ts";

const ignore = librarySkip !== "";

function fixture(name: string): string {
  return new URL(`../testdata/arch/${name}`, import.meta.url).pathname;
}

/** Requests of many lengths over the fixture's vocabulary (128 ids). */
function requests(density: number, method: SelectionMethod): ScoreRequest[] {
  const out: ScoreRequest[] = [];
  for (let i = 0; i < 12; i++) {
    const context = Array.from({ length: 3 + (i * 7) % 40 }, (_, j) => 3 + (i * 31 + j * 17) % 120);
    const continuation = Array.from({ length: 1 + i % 5 }, (_, j) => 3 + (i * 13 + j * 29) % 120);
    out.push({
      contextIds: context,
      continuationIds: continuation,
      mode: "class",
      griffin: { density, method, seed: 9 },
    });
  }
  return out;
}

Deno.test("batches go longest first, within the sequence and token limits", () => {
  assert.deepEqual(planBatches([5, 3, 4, 9], 10, 2), [[3], [0, 2], [1]]);
  assert.deepEqual(planBatches([2, 2, 2], 100, 1), [[0], [1], [2]]);
  assert.throws(() => planBatches([4, 12], 10, 8), /12 tokens does not fit a batch of at most 10/);
});

for (const name of ["llama2", "opt", "gemma", "mistral-window16"]) {
  Deno.test({
    name: `${name}: a class-mode batch scores each request as it scores alone${librarySkip}`,
    ignore,
    fn: async () => {
      const model = await openModel(fixture(name), { device: "cpu" });
      try {
        for (
          const [density, method] of [[1, "topk"], [0.5, "topk"], [0.25, "sample"], [
            0.5,
            "magnitude",
          ]] as const
        ) {
          const all = requests(density, method);
          const alone = all.map((r) => model.score(r));
          const batched = scoreBatch(model.session, all, { maxSequences: 5, maxTokens: 100 });
          for (let i = 0; i < all.length; i++) {
            const what = `${name} request ${i}, ${method} at ${density}`;
            assert.deepEqual(batched[i].experts, alone[i].experts, `experts, ${what}`);
            assert.equal(batched[i].greedy, alone[i].greedy, `greedy, ${what}`);
            assert.equal(batched[i].logprobs.length, alone[i].logprobs.length);
            for (let t = 0; t < alone[i].logprobs.length; t++) {
              const a = alone[i].logprobs[t], b = batched[i].logprobs[t];
              assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(a) + 1e-9, `${what}: ${b} vs ${a}`);
            }
          }
          // the order of the requests changes nothing
          const order = all.map((_, i) => i).reverse();
          const shuffled = scoreBatch(model.session, order.map((i) => all[i]), { maxSequences: 3 });
          order.forEach((i, k) => assert.deepEqual(shuffled[k].logprobs, batched[i].logprobs));
          // without the experts copied out: the same scores, no experts
          const bare = scoreBatch(model.session, all, { maxSequences: 5, experts: false });
          bare.forEach((r, i) => {
            assert.deepEqual(r.logprobs, scoreBatch(model.session, [all[i]], {})[0].logprobs);
            assert.equal(r.experts, null);
          });
        }
      } finally {
        model.close();
      }
    },
  });
}

Deno.test({
  name: `a batch longer than the session is refused with the sizes named${librarySkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(fixture("llama2"), { device: "cpu", contextLength: 32 });
    try {
      assert.throws(
        () =>
          model.session.scoreClassBatch([{
            ids: new Array(20).fill(5),
            first: 3,
            targets: new Array(17).fill(6),
          }, { ids: new Array(20).fill(5), first: 19, targets: [7] }]),
        /the batch holds 40 tokens but the session takes at most 32; split it/,
      );
    } finally {
      model.close();
    }
  },
});
