import assert from "node:assert/strict";
import { argmax, Sampler, seededRandom } from "./sampler.ts";

const logits = new Float32Array([0.5, 2, 1.9, -1, 0]);

Deno.test("argmax keeps the lower index on ties", () => {
  assert.equal(argmax(new Float32Array([1, 5, 5, 2])), 1);
  assert.equal(argmax(new Float32Array([9, 1, 2, 3]), 1, 3), 2);
});

Deno.test("the seeded generator repeats for a seed and spreads over [0, 1)", () => {
  const a = seededRandom(42), b = seededRandom(42), c = seededRandom(43);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notEqual(xs[0], c());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
});

Deno.test("top-k 1 and a tiny top-p both reduce sampling to greedy", () => {
  const topK = new Sampler({ greedy: false, temperature: 1, topK: 1, topP: 1, seed: 1 });
  const topP = new Sampler({ greedy: false, temperature: 1, topK: 0, topP: 1e-6, seed: 1 });
  for (let i = 0; i < 50; i++) {
    assert.equal(topK.next(logits), 1);
    assert.equal(topP.next(logits), 1);
  }
});

Deno.test("sampling follows the softmax of logits over temperature", () => {
  const sampler = new Sampler({ greedy: false, temperature: 1, topK: 0, topP: 1, seed: 3 });
  const counts = new Array(5).fill(0);
  const n = 20000;
  for (let i = 0; i < n; i++) counts[sampler.next(logits)]++;
  const z = [...logits].reduce((s, x) => s + Math.exp(x), 0);
  for (let i = 0; i < 5; i++) {
    assert.ok(Math.abs(counts[i] / n - Math.exp(logits[i]) / z) < 0.015, `token ${i}`);
  }
});

Deno.test("a low temperature concentrates the draws on the top token", () => {
  const sampler = new Sampler({ greedy: false, temperature: 0.01, topK: 0, topP: 1, seed: 9 });
  for (let i = 0; i < 100; i++) assert.equal(sampler.next(logits), 1);
});

Deno.test("bad sampling options are refused", () => {
  assert.throws(
    () => new Sampler({ greedy: false, temperature: 0, topK: 0, topP: 1, seed: 0 }),
    /temperature/,
  );
  assert.throws(
    () => new Sampler({ greedy: false, temperature: 1, topK: 0, topP: 0, seed: 0 }),
    /top-p/,
  );
  assert.throws(
    () => new Sampler({ greedy: false, temperature: 1, topK: 1.5, topP: 1, seed: 0 }),
    /top-k/,
  );
});
