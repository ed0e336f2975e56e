import assert from "node:assert/strict";
import { argmax, descendingOrder, Sampler, seededRandom } from "./sampler.ts";
import type { SamplingOptions } from "./types.ts";

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

/** The sampler as it was first written (a comparison sort of the whole vocabulary): the reference. */
function referenceNext(logits: Float32Array, o: SamplingOptions, random: () => number): number {
  const order = [...logits.keys()].sort((x, y) => logits[y] - logits[x] || x - y);
  const kept = o.topK > 0 ? order.slice(0, o.topK) : order;
  const max = logits[kept[0]] / o.temperature;
  const weights = kept.map((i) => Math.exp(logits[i] / o.temperature - max));
  const total = weights.reduce((s, w) => s + w, 0);
  let cut = kept.length;
  if (o.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept.length; i++) {
      cumulative += weights[i] / total;
      if (cumulative >= o.topP) {
        cut = i + 1;
        break;
      }
    }
  }
  const mass = weights.slice(0, cut).reduce((s, w) => s + w, 0);
  let u = random() * mass;
  for (let i = 0; i < cut; i++) {
    u -= weights[i];
    if (u < 0) return kept[i];
  }
  return kept[cut - 1];
}

/** Logits with ties, signed zeros, infinities and a spread of magnitudes. */
function awkwardLogits(n: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => {
    const r = random();
    if (r < 0.05) return 0;
    if (r < 0.1) return -0;
    if (r < 0.12) return -Infinity;
    if (r < 0.2) return 1.5; // ties
    return (random() - 0.5) * 40 * (random() < 0.5 ? 1e-3 : 1);
  });
}

Deno.test("the radix order equals the comparison sort, ties to the lower index", () => {
  for (const n of [1, 2, 7, 300, 4096]) {
    const logits = awkwardLogits(n, n);
    const expected = [...logits.keys()].sort((x, y) => logits[y] - logits[x] || x - y);
    assert.deepEqual([...descendingOrder(logits)], expected, `n = ${n}`);
  }
  assert.deepEqual([...descendingOrder(new Float32Array([Infinity, -Infinity, 2, Infinity]))], [
    0,
    3,
    2,
    1,
  ]);
});

Deno.test("sampling draws the same tokens as the comparison-sort sampler it replaced", () => {
  const settings: SamplingOptions[] = [
    { greedy: false, temperature: 0.3, topK: 0, topP: 1, seed: 42 },
    { greedy: false, temperature: 1, topK: 40, topP: 1, seed: 7 },
    { greedy: false, temperature: 0.7, topK: 0, topP: 0.9, seed: 3 },
    { greedy: false, temperature: 2, topK: 5, topP: 0.5, seed: 11 },
  ];
  for (const options of settings) {
    const sampler = new Sampler(options);
    const random = seededRandom(options.seed);
    for (let step = 0; step < 40; step++) {
      const logits = awkwardLogits(997, step);
      assert.equal(sampler.next(logits), referenceNext(logits, options, random));
    }
  }
});
