import assert from "node:assert/strict";
import { mixSeed, sampleIndices, seededRandom } from "./random.ts";

Deno.test("the same seed gives the same sequence and another seed a different one", () => {
  const a = seededRandom(42), b = seededRandom(42), c = seededRandom(43);
  const xs = [a(), a(), a()];
  assert.deepEqual([b(), b(), b()], xs);
  assert.notDeepEqual([c(), c(), c()], xs);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

Deno.test("mixSeed depends on every part and on their order", () => {
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  assert.notEqual(mixSeed(1, 2), mixSeed(1, 3));
  assert.equal(mixSeed(5, 6), mixSeed(5, 6));
});

Deno.test("sampleIndices draws distinct indices and never the excluded one", () => {
  for (let seed = 0; seed < 50; seed++) {
    const drawn = sampleIndices(6, 5, seededRandom(seed), 2);
    assert.equal(new Set(drawn).size, 5);
    assert.ok(!drawn.includes(2));
    assert.ok(drawn.every((i) => i >= 0 && i < 6));
  }
  assert.throws(() => sampleIndices(3, 3, seededRandom(0), 0), /Cannot draw 3 examples from 2/);
});
