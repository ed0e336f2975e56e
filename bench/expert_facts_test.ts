import assert from "node:assert/strict";
import { energyKept, promptScores, topExperts } from "./expert_facts.ts";

Deno.test("energy kept is the experts' share of Σ s², 1 for every neuron and k/n for equal scores", () => {
  assert.equal(energyKept([1, 2, 2], [0, 1, 2]), 1);
  assert.equal(energyKept([1, 1, 1, 1], [2]), 0.25);
  assert.equal(energyKept([0, 0], [1]), 0);
});

Deno.test("topExperts keeps the lower index on ties and returns the experts ascending", () => {
  assert.deepEqual(topExperts([2, 3, 3, 3, 1], 2), [1, 2]);
  assert.deepEqual(topExperts([5, 1, 5], 3), [0, 1, 2]);
  assert.deepEqual(topExperts([5, 1], 0), []);
});

Deno.test("prompt scores have Σ s² equal to the number of non-zero rows", () => {
  const z = Float32Array.from({ length: 5 * 7 }, (_, i) => Math.sin(i * 1.7) * (i % 3));
  z.fill(0, 7, 14); // a row of zeros adds nothing
  const s = promptScores(z, 5, 7);
  assert.ok(Math.abs(s.reduce((a, x) => a + x * x, 0) - 4) < 1e-12);
});
