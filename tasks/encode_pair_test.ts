import assert from "node:assert/strict";
import { encodePair, fitToModel } from "./encode_pair.ts";
import { fakeModel } from "./testing/fake_model.ts";

Deno.test("trailing whitespace of the context moves to the continuation", () => {
  const m = fakeModel();
  const p = encodePair(m, "Answer: ", "yes");
  assert.equal(m.decode(p.contextIds), "Answer:");
  assert.equal(m.decode(p.continuationIds), " yes");
});

Deno.test("an empty context becomes EOS and the whole text is the continuation", () => {
  const p = encodePair(fakeModel(), "", "hello");
  assert.deepEqual(p.contextIds, [fakeModel().eosTokenId]);
  assert.equal(fakeModel().decode(p.continuationIds), "hello");
});

Deno.test("a tokenizer that adds BOS keeps it in the context only", () => {
  const m = fakeModel({ addBos: true });
  const p = encodePair(m, "Q:", " é");
  assert.equal(p.contextIds[0], 1);
  assert.equal(m.decode(p.continuationIds), " é");
  assert.ok(!p.continuationIds.includes(1));
});

Deno.test("a pair too long for the model loses context from the left, as lm-evaluation-harness's input slice", () => {
  const pair = { contextIds: [1, 2, 3, 4, 5], continuationIds: [6, 7] };
  assert.deepEqual(fitToModel(pair, 8), pair);
  // (ids)[-(4 + 1):][:-1] = [3, 4, 5, 6]: context 3 4 5, continuation 6 7.
  assert.deepEqual(fitToModel(pair, 4), { contextIds: [3, 4, 5], continuationIds: [6, 7] });
  assert.equal(fitToModel(pair, 1), undefined);
  assert.equal(fitToModel({ contextIds: [1], continuationIds: [] }, 8), undefined);
});
