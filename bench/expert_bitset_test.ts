import assert from "node:assert/strict";
import { bitsetCount, bitsetMembers, expertBitset, jaccard } from "./expert_bitset.ts";

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

Deno.test("a bitset holds exactly the experts, and gives them back ascending", () => {
  const experts = [0, 7, 8, 300, 687];
  const bits = expertBitset(experts, 688);
  assert.equal(bits.length, 86);
  assert.equal(bitsetCount(bits), 5);
  assert.deepEqual(bitsetMembers(bits), experts);
  assert.throws(() => expertBitset([688], 688), /not a neuron/);
});

Deno.test("jaccard of bitsets equals |A∩B|/|A∪B| computed with sets", () => {
  const next = seeded(3);
  for (let trial = 0; trial < 50; trial++) {
    const a = [...new Set(Array.from({ length: 40 }, () => Math.floor(next() * 100)))];
    const b = [...new Set(Array.from({ length: 40 }, () => Math.floor(next() * 100)))];
    const both = a.filter((x) => b.includes(x)).length;
    const either = new Set([...a, ...b]).size;
    assert.equal(jaccard(expertBitset(a, 100), expertBitset(b, 100)), both / either);
  }
  assert.equal(jaccard(new Uint8Array(2), new Uint8Array(2)), 1);
  assert.throws(() => jaccard(new Uint8Array(2), new Uint8Array(3)), /not of one layer/);
});
