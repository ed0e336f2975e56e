import assert from "node:assert/strict";
import { openModel } from "../engine/open.ts";
import { scoreBatch } from "../engine/score_batch.ts";
import { drift, driftRequests } from "./batch_drift.ts";

Deno.test("drift: the largest and median gaps, a token's largest, requests with other experts", () => {
  const result = (ll: number, logprobs: number[], experts: number[][] | null) => ({
    loglikelihood: ll,
    logprobs,
    greedy: false,
    experts,
    timings: { promptMs: 0, selectionMs: 0, tokenMs: [], decodeMsPerToken: 0, tokensPerSecond: 0 },
  });
  const a = [result(-1, [-0.5, -0.5], [[1, 2]]), result(-2, [-2], [[3]]), result(-3, [-3], null)];
  const b = [
    result(-1.25, [-0.5, -0.75], [[1, 2]]),
    result(-2, [-2], [[4]]),
    result(-3.5, [-3.5], null),
  ];
  assert.deepEqual(drift(a, b), { largest: 0.5, median: 0.25, largestToken: 0.5, otherExperts: 1 });
});

Deno.test("on the CPU a class request scored alone and packed gives the same bits (tiny, density 0.5)", async () => {
  const model = await openModel("synthetic:tiny", { device: "cpu" });
  try {
    const requests = driftRequests(6, 20, 5, model.info.vocabSize, 0.5);
    assert.equal(requests[0].contextIds.length, 20);
    assert.equal(requests[0].continuationIds.length, 5);
    assert.notDeepEqual(requests[0].contextIds, requests[1].contextIds);
    const alone = requests.map((r) => scoreBatch(model.session, [r], { maxSequences: 1 })[0]);
    const packed = scoreBatch(model.session, requests, { maxSequences: 64 });
    const d = drift(alone, packed);
    assert.equal(d.otherExperts, 0);
    assert.ok(d.largest <= 1e-9 && d.largestToken <= 1e-9, JSON.stringify(d));
    assert.ok(alone.every((r) => Number.isFinite(r.loglikelihood) && r.loglikelihood < 0));
  } finally {
    model.close();
  }
});
