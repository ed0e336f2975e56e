import assert from "node:assert/strict";
import { openModel } from "./open.ts";
import { sharedSkip, stories260K } from "../testdata/fixtures.ts";

const ignore = sharedSkip !== "";
const CONTEXT = [1, 403, 407, 261, 378, 283, 1384];
const CONTINUATION = [267, 296, 261, 376, 298];

Deno.test({
  name: `at density 1 gen-mode and class-mode scores agree bit for bit${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const req = { contextIds: CONTEXT.filter((x) => x < 512), continuationIds: CONTINUATION };
      const griffin = { density: 1, method: "topk" as const, seed: 0 };
      const gen = model.score({ ...req, mode: "gen", griffin });
      const cls = model.score({ ...req, mode: "class", griffin });
      assert.deepEqual(gen.logprobs, cls.logprobs);
      assert.equal(gen.loglikelihood, gen.logprobs.reduce((a, b) => a + b, 0));
      assert.equal(gen.logprobs.length, CONTINUATION.length);
      assert.ok(gen.logprobs.every((lp) => lp < 0));
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `the known greedy continuation scores as greedy, a changed token does not${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const contextIds = [1, 403, 407, 261, 378];
      const gen = model.generate({
        promptIds: contextIds,
        maxNewTokens: 6,
        sampling: { greedy: true, temperature: 1, topK: 0, topP: 1, seed: 0 },
        griffin: { density: 0.5, method: "topk", seed: 0 },
      });
      const griffin = { density: 0.5, method: "topk" as const, seed: 0 };
      const scored = model.score({
        contextIds,
        continuationIds: gen.outputIds,
        mode: "gen",
        griffin,
      });
      assert.equal(scored.greedy, true);
      assert.deepEqual(scored.experts, gen.experts);
      const changed = [...gen.outputIds];
      changed[3] = (changed[3] + 1) % 512;
      assert.equal(
        model.score({ contextIds, continuationIds: changed, mode: "gen", griffin }).greedy,
        false,
      );
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name:
    `class mode's experts come from the context and continuation but the last input${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const griffin = { density: 0.5, method: "topk" as const, seed: 0 };
      const a = model.score({
        contextIds: [1, 403, 407],
        continuationIds: [261, 378],
        mode: "class",
        griffin,
      });
      // the same model input (context + continuation[:-1]) split differently: same experts
      const b = model.score({
        contextIds: [1, 403],
        continuationIds: [407, 261, 378],
        mode: "class",
        griffin,
      });
      assert.deepEqual(a.experts, b.experts);
      assert.equal(a.logprobs[1], b.logprobs[2]);
      assert.equal(a.logprobs[0], b.logprobs[1]);
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name:
    `kept distributions are log-softmax rows that hold each token's log-probability${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    try {
      const r = model.score({
        contextIds: [1, 403, 407],
        continuationIds: [261, 378],
        mode: "gen",
        griffin: { density: 0.5, method: "topk", seed: 0 },
        keepDistributions: true,
      });
      assert.equal(r.distributions?.length, 2);
      for (const [i, row] of r.distributions!.entries()) {
        assert.equal(row.length, 512);
        const mass = row.reduce((s, x) => s + Math.exp(x), 0);
        assert.ok(Math.abs(mass - 1) < 1e-4);
        assert.ok(Math.abs(row[[261, 378][i]] - r.logprobs[i]) < 1e-6);
      }
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `scoring refuses empty parts and sequences longer than the context${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu", contextLength: 8 });
    try {
      const griffin = { density: 0.5, method: "topk" as const, seed: 0 };
      assert.throws(
        () => model.score({ contextIds: [], continuationIds: [5], mode: "gen", griffin }),
        /context is empty/,
      );
      assert.throws(
        () => model.score({ contextIds: [1], continuationIds: [], mode: "gen", griffin }),
        /continuation is empty/,
      );
      assert.throws(
        () =>
          model.score({
            contextIds: [1, 2, 3, 4, 5],
            continuationIds: [1, 2, 3, 4, 5],
            mode: "class",
            griffin,
          }),
        /at most 8/,
      );
      assert.throws(
        () => model.score({ contextIds: [1], continuationIds: [5], mode: "class", griffin }),
        /at least 2 input tokens/,
      );
    } finally {
      model.close();
    }
  },
});
