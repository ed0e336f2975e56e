import assert from "node:assert/strict";
import { encodePair } from "./encode_pair.ts";
import { fakeModel } from "./testing/fake_model.ts";

Deno.test("trailing whitespace of the context moves to the continuation", () => {
  const m = fakeModel();
  const p = encodePair(m, "Answer: ", "yes");
  assert.equal(m.decode(p.contextIds), "Answer:");
  assert.equal(m.decode(p.continuationIds), " yes");
});

Deno.test("an empty context becomes BOS and the whole text is the continuation", () => {
  const p = encodePair(fakeModel(), "", "hello");
  assert.deepEqual(p.contextIds, [1]);
  assert.equal(fakeModel().decode(p.continuationIds), "hello");
});

Deno.test("a tokenizer that adds BOS keeps it in the context only", () => {
  const m = fakeModel({ addBos: true });
  const p = encodePair(m, "Q:", " é");
  assert.equal(p.contextIds[0], 1);
  assert.equal(m.decode(p.continuationIds), " é");
  assert.ok(!p.continuationIds.includes(1));
});
