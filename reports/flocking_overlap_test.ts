import assert from "node:assert/strict";
import { expertBitset } from "../bench/expert_bitset.ts";
import { randomJaccard } from "../bench/random_jaccard.ts";
import { layerOverlap, type SampleSets } from "./flocking_overlap.ts";

const sample = (task: string, experts: number[], magnitude = 0.5): SampleSets => ({
  task,
  sets: [expertBitset(experts, 8), null],
  magnitudeOverlap: [magnitude, null],
});

Deno.test("overlap means pairs within each task, then pairs across tasks, beside the exact random level", () => {
  const o = layerOverlap([
    sample("a", [0, 1, 2, 3]),
    sample("a", [0, 1, 2, 4]), // J = 3/5 with the first
    sample("b", [4, 5, 6, 7], 0.25),
  ], 8);
  assert.deepEqual(o.within, [3 / 5, null]);
  // across: {0,1,2,3}–{4,5,6,7} = 0; {0,1,2,4}–{4,5,6,7} = 1/7
  assert.deepEqual(o.across, [(0 + 1 / 7) / 2, null]);
  assert.deepEqual(o.magnitude, [(0.5 + 0.5 + 0.25) / 3, null]);
  assert.deepEqual(o.random, [randomJaccard(8, 4), null]);
});

Deno.test("a single task has no across-task overlap, and tasks weigh equally within", () => {
  const o = layerOverlap([
    sample("a", [0, 1]),
    sample("a", [0, 1]),
    sample("b", [0, 1]),
    sample("b", [2, 3]),
    sample("b", [0, 1]),
  ], 8);
  // a: 1; b: pairs 0, 1, 0 → 1/3; mean of the two tasks
  assert.ok(Math.abs(o.within[0]! - (1 + 1 / 3) / 2) < 1e-12);
  assert.equal(layerOverlap([sample("a", [1]), sample("a", [1])], 8).across[0], null);
});
