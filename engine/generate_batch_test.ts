import assert from "node:assert/strict";
import { openModel } from "./open.ts";
import { GREEDY } from "./sampler.ts";
import type { GenerateRequest } from "./types.ts";
import { librarySkip } from "../testdata/fixtures.ts";

const MODEL = new URL("../models/griffin-mini-llama", import.meta.url).pathname;

/** Requests of several lengths, greedy and sampled, with stop tokens and a stop string. */
function requests(density: number): GenerateRequest[] {
  return Array.from({ length: 7 }, (_, i) => ({
    promptIds: Array.from({ length: 5 + i * 9 }, (_, j) => 3 + (i * 131 + j * 17) % 4000),
    maxNewTokens: 6 + i * 5,
    sampling: i % 2 === 0
      ? GREEDY
      : { greedy: false, temperature: 0.8, topK: 0, topP: 0.9, seed: 40 + i },
    griffin: { density, method: i === 3 ? "magnitude" as const : "topk" as const, seed: 2 },
    ...(i === 5 ? { stopStrings: ["e"] } : {}),
    ...(i === 6 ? { stopTokenIds: [] } : {}),
  }));
}

Deno.test({
  name: `generating together gives each request what it gets alone${librarySkip}`,
  ignore: librarySkip !== "",
  fn: async () => {
    for (const width of [3, 16]) {
      const model = await openModel(MODEL, { device: "cpu", batch: { maxSequences: width } });
      try {
        for (const density of [1, 0.5]) {
          const all = requests(density);
          const alone = all.map((r) => model.generate(r));
          const together = model.generateMany(all);
          together.forEach((t, i) => {
            const { timings: _a, ...want } = alone[i];
            const { timings: _b, ...got } = t;
            assert.deepEqual(got, want, `request ${i}, ${width} at a time, density ${density}`);
            assert.equal(t.timings.tokenMs.length, alone[i].timings.tokenMs.length);
          });
          // a request's output does not depend on its neighbours
          const reversed = model.generateMany([...all].reverse()).reverse();
          reversed.forEach((t, i) => assert.deepEqual(t.outputIds, alone[i].outputIds));
        }
      } finally {
        model.close();
      }
    }
  },
});

Deno.test({
  name:
    `greedy requests decode the same tokens from the engine's argmax as from the logits${librarySkip}`,
  ignore: librarySkip !== "",
  fn: async () => {
    const model = await openModel(MODEL, { device: "cpu", batch: { maxSequences: 4 } });
    try {
      for (const density of [1, 0.5]) {
        const all = requests(density).map((r) => ({ ...r, sampling: GREEDY }));
        const alone = all.map((r) => model.generate(r, { deviceGreedy: false }).outputIds);
        const aloneTokens = all.map((r) => model.generate(r).outputIds);
        const tokens = model.generateMany(all).map((r) => r.outputIds);
        const logits = model.generateMany(all, { deviceGreedy: false }).map((r) => r.outputIds);
        assert.deepEqual(aloneTokens, alone, `density ${density}`);
        assert.deepEqual(tokens, alone, `density ${density}`);
        assert.deepEqual(logits, alone, `density ${density}`);
      }
    } finally {
      model.close();
    }
  },
});
