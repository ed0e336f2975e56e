import assert from "node:assert/strict";
import { expertBitset, jaccard } from "./expert_bitset.ts";
import { randomJaccard } from "./random_jaccard.ts";

function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

Deno.test("the random-set Jaccard equals the mean over every pair of k-subsets (small n)", () => {
  for (const [n, k] of [[6, 2], [7, 3], [8, 4], [5, 5]]) {
    const all = subsets(n, k).map((s) => expertBitset(s, n));
    let sum = 0;
    for (const a of all) for (const b of all) sum += jaccard(a, b);
    assert.ok(Math.abs(randomJaccard(n, k) - sum / all.length ** 2) < 1e-12, `n=${n} k=${k}`);
  }
});

Deno.test("the random-set Jaccard at d_ff 688 agrees with a seeded simulation", () => {
  let state = 11;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const draw = (n: number, k: number) => {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return expertBitset(order.slice(0, k), n);
  };
  for (const k of [172, 344, 516]) {
    const values = Array.from({ length: 2000 }, () => jaccard(draw(688, k), draw(688, k)));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean - randomJaccard(688, k)) < 4 * sd / Math.sqrt(values.length));
  }
  assert.throws(() => randomJaccard(4, 5), /0 ≤ k ≤ n/);
});
