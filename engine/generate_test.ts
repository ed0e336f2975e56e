import assert from "node:assert/strict";
import { openModel } from "./open.ts";
import { GREEDY } from "./sampler.ts";
import { sharedSkip, stories260K } from "../testdata/fixtures.ts";

const ignore = sharedSkip !== "";
const KNOWN = ", there was a little girl named Lily. She loved to play outside in the park. " +
  "One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

Deno.test({
  name: `the stories260K fixture reproduces its known greedy output${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const promptIds = model.encode("Once upon a time", { addBos: true });
      assert.deepEqual(promptIds, [1, 403, 407, 261, 378]);
      const result = model.generate({
        promptIds,
        maxNewTokens: 60,
        sampling: GREEDY,
        griffin: { density: 1, method: "topk", seed: 0 },
      });
      assert.ok(result.text.startsWith(KNOWN), result.text);
      assert.equal(result.experts, null);
      assert.equal(result.stopReason, "max_new_tokens");
      assert.equal(result.outputIds.length, 60);
      assert.equal(result.timings.tokenMs.length, 59);
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `generation stops at a stop string and cuts the text before it${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu", addBos: true });
    try {
      const result = model.generate({
        promptIds: model.encode("Once upon a time"),
        maxNewTokens: 60,
        sampling: GREEDY,
        griffin: { density: 1, method: "topk", seed: 0 },
        stopStrings: ["Lily"],
      });
      assert.equal(result.stopReason, "stop_string");
      assert.equal(result.text, ", there was a little girl named ");
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `sampled generation is reproducible from its seed and differs across seeds${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const run = (seed: number) =>
        model.generate({
          promptIds: [1, 403, 407, 261, 378],
          maxNewTokens: 40,
          sampling: { greedy: false, temperature: 1, topK: 0, topP: 1, seed },
          griffin: { density: 0.5, method: "topk", seed: 0 },
        }).outputIds;
      assert.deepEqual(run(7), run(7));
      assert.notDeepEqual(run(7), run(8));
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `GRIFFIN at density 0.5 reports k = floor(d_ff / 2) experts per layer${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const result = model.generate({
        promptIds: [1, 403, 407, 261, 378],
        maxNewTokens: 8,
        sampling: GREEDY,
        griffin: { density: 0.5, method: "topk", seed: 0 },
      });
      assert.equal(result.experts?.length, 5);
      for (const layer of result.experts!) {
        assert.equal(layer!.length, 86);
        assert.deepEqual(layer, [...layer!].sort((a, b) => a - b));
      }
    } finally {
      model.close();
    }
  },
});
