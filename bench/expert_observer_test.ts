/* The recorded expert facts against an independent computation from the dumped activations. */
import assert from "node:assert/strict";
import { type EngineModel, openModel } from "../engine/open.ts";
import { librarySkip } from "../testdata/fixtures.ts";
import { bitsetMembers } from "./expert_bitset.ts";
import { observeExperts } from "./expert_observer.ts";
import { fromBase64 } from "./sample_experts.ts";

const MODEL = new URL("../models/griffin-mini-llama", import.meta.url).pathname;
const PROMPT = "The committee met on Tuesday and agreed that the river crossing would be rebuilt";
const GREEDY = { greedy: true, temperature: 1, topK: 0, topP: 1, seed: 0 };

/** Scores, experts, energy and magnitude overlap recomputed from Z, in plain float64 loops. */
function independent(
  model: EngineModel,
  ids: number[],
  rows: number,
  density: number,
  method: string,
) {
  const s = model.session;
  s.reset();
  s.setCapture(true);
  s.setGriffin(Array(model.info.layers).fill(1), "topk", 0); // no selection: the full prompt
  s.forwardClass(new Int32Array(ids.length > 1 ? ids : [...ids, ids[0]]));
  s.setCapture(false);
  const ff = model.info.ffSize, k = Math.floor(ff * density);
  const top = (v: ArrayLike<number>) =>
    Array.from(v, (_, j) => j).sort((a, b) => v[b] - v[a] || a - b).slice(0, k);
  return Array.from({ length: model.info.layers }, (_, l) => {
    const z = s.activations(l).data;
    const score = new Array(ff).fill(0);
    for (let t = 0; t < rows; t++) {
      const row = z.subarray(t * ff, (t + 1) * ff);
      const norm = Math.hypot(...row);
      row.forEach((x, j) => (score[j] += (x / norm) ** 2));
    }
    const magnitude = new Set(top(model.native.neuronMagnitudes(l)));
    const experts = method === "magnitude" ? [...magnitude] : top(score);
    const total = score.reduce((a, b) => a + b, 0);
    const energy = experts.reduce((a, j) => a + score[j], 0) / total;
    const shared = experts.filter((j) => magnitude.has(j)).length;
    return {
      z,
      score: score.map(Math.sqrt),
      experts: experts.sort((a, b) => a - b),
      energy,
      overlap: shared / (2 * k - shared),
    };
  });
}

function assertFacts(
  facts: ReturnType<ReturnType<typeof observeExperts>["take"]>,
  expected: ReturnType<typeof independent>,
) {
  assert.ok(facts);
  expected.forEach((e, l) => {
    assert.deepEqual(bitsetMembers(fromBase64(facts.sets[l]!)), e.experts, `layer ${l} experts`);
    assert.ok(
      Math.abs(facts.energy[l]! - e.energy) < 2e-6,
      `layer ${l} energy ${facts.energy[l]} vs ${e.energy}`,
    );
    assert.ok(Math.abs(facts.magnitudeOverlap[l]! - e.overlap) < 2e-6, `layer ${l} overlap`);
  });
}

Deno.test({
  name:
    `gen-mode facts (topk) equal energy, experts and magnitude overlap recomputed from the activations${librarySkip}`,
  ignore: librarySkip !== "",
  async fn() {
    const model = await openModel(MODEL, { device: "cpu" });
    try {
      const job = {
        density: 0.5,
        method: "topk" as const,
        analysis: { experts: true, activations: true },
      };
      const observer = observeExperts(model, job);
      const ids = model.encode(PROMPT);
      const griffin = { density: 0.5, method: "topk" as const, seed: 42 };
      observer.model.generate({ promptIds: ids, maxNewTokens: 3, sampling: GREEDY, griffin });
      // a full-model call (agreement) after it changes nothing
      observer.model.generate({
        promptIds: ids.slice(0, 4),
        maxNewTokens: 1,
        sampling: GREEDY,
        griffin: { ...griffin, density: 1 },
      });
      const facts = observer.take();
      const expected = independent(model, ids, ids.length, 0.5, "topk");
      assertFacts(facts, expected);
      // the heatmap: the most active neurons in score order, Ẑ of each token on them
      const heat = facts!.activations!;
      assert.equal(heat.tokens.length, ids.length);
      for (const layer of heat.layers) {
        const e = expected[layer.layer];
        const order = Array.from(e.score, (_, j) => j).sort((a, b) =>
          e.score[b] - e.score[a] || a - b
        );
        assert.deepEqual(layer.neurons, order.slice(0, 48));
        const values = new Float32Array(fromBase64(layer.values).buffer);
        const ff = model.info.ffSize;
        const t = 3, i = 5, j = layer.neurons[i];
        const norm = Math.hypot(...e.z.subarray(t * ff, (t + 1) * ff));
        assert.ok(Math.abs(values[t * 48 + i] - e.z[t * ff + j] / norm) < 1e-6);
      }
      assert.equal(observer.take(), undefined); // nothing ran since
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name:
    `class-mode facts of the magnitude method are measured against the prompt's own scores${librarySkip}`,
  ignore: librarySkip !== "",
  async fn() {
    const model = await openModel(MODEL, { device: "cpu" });
    try {
      const observer = observeExperts(model, {
        density: 0.25,
        method: "magnitude",
        analysis: { experts: true },
      });
      const context = model.encode(PROMPT), continuation = model.encode(" today");
      const griffin = { density: 0.25, method: "magnitude" as const, seed: 42 };
      observer.model.score({
        contextIds: context,
        continuationIds: continuation,
        mode: "class",
        griffin,
      });
      const input = [...context, ...continuation.slice(0, -1)];
      const facts = observer.take();
      assertFacts(facts, independent(model, input, input.length - 1, 0.25, "magnitude"));
      assert.ok(facts!.magnitudeOverlap.every((x) => x === 1));
      assert.equal(facts!.activations, undefined);
    } finally {
      model.close();
    }
  },
});
