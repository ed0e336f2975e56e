import assert from "node:assert/strict";
import { type EngineModel, openModel } from "./open.ts";
import { NativeSession } from "../ffi/session.ts";
import { GREEDY } from "./sampler.ts";
import { scoreGenBatch } from "./score_gen_batch.ts";
import type { Mode, ScoreRequest, ScoreResult, SelectionMethod } from "./types.ts";
import { sharedSkip, stories260K } from "../testdata/fixtures.ts";

const ignore = sharedSkip !== "";
const SETTINGS: [number, SelectionMethod][] = [
  [1, "topk"],
  [0.5, "topk"],
  [0.5, "sample"],
  [0.5, "magnitude"],
];

/**
 * Requests of many context and continuation lengths (a continuation of one token has no
 * generation-phase step) over stories260K's 512 ids; every third keeps its distributions.
 */
function requests(density: number, method: SelectionMethod, mode: Mode = "gen"): ScoreRequest[] {
  return Array.from({ length: 11 }, (_, i) => ({
    contextIds: [
      1,
      ...Array.from({ length: 1 + (i * 7) % 30 }, (_, j) => 3 + (i * 31 + j * 17) % 500),
    ],
    continuationIds: Array.from({ length: 1 + (i * 5) % 9 }, (_, j) => 3 + (i * 13 + j * 29) % 500),
    mode,
    griffin: { density, method, seed: 9 },
    ...(i % 3 === 0 ? { keepDistributions: true } : {}),
  }));
}

/** A request whose continuation is the model's own greedy output, so it scores as greedy. */
function greedyRequest(model: EngineModel, density: number, method: SelectionMethod) {
  const griffin = { density, method, seed: 9 };
  const contextIds = [1, 403, 407, 261, 378];
  const { outputIds } = model.generate({
    promptIds: contextIds,
    maxNewTokens: 7,
    sampling: GREEDY,
    griffin,
  });
  return { contextIds, continuationIds: outputIds, mode: "gen" as const, griffin };
}

/** Asserts two results are the same but for timings (bit for bit: the CPU decodes each alone). */
function assertSame(got: ScoreResult, want: ScoreResult, what: string): void {
  const { timings: _a, ...rest } = got;
  const { timings: _b, ...wanted } = want;
  assert.deepEqual(rest, wanted, what);
  assert.equal(got.timings.tokenMs.length, want.timings.tokenMs.length, `token times, ${what}`);
}

Deno.test({
  name: `gen-mode requests scored together give each what score gives it alone${sharedSkip}`,
  ignore,
  fn: async () => {
    for (const width of [3, 16]) {
      const model = await openModel(stories260K, { device: "cpu", batch: { maxSequences: width } });
      try {
        for (const [density, method] of SETTINGS) {
          const all = [...requests(density, method), greedyRequest(model, density, method)];
          const alone = all.map((r) => model.score(r));
          assert.ok(alone.at(-1)!.greedy && alone.some((r) => !r.greedy));
          model.scoreMany(all).forEach((r, i) =>
            assertSame(r, alone[i], `request ${i}, ${width} at a time, ${method} at ${density}`)
          );
        }
      } finally {
        model.close();
      }
    }
  },
});

Deno.test({
  name: `class and gen requests mixed and shuffled keep their order and results${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu", batch: { maxSequences: 4 } });
    try {
      const all = [
        ...requests(0.5, "topk", "class"),
        ...requests(0.5, "topk"),
        ...requests(1, "topk", "class"),
        ...requests(0.5, "sample"),
      ];
      const alone = all.map((r) => model.score(r));
      // a fixed shuffle: every 7th request from each start
      const order = Array.from(
        { length: 7 },
        (_, s) => all.map((_, i) => i).filter((i) => i % 7 === s),
      )
        .flat();
      assert.equal(new Set(order).size, all.length);
      model.scoreMany(order.map((i) => all[i])).forEach((r, k) => {
        const i = order[k];
        if (all[i].mode === "gen") assertSame(r, alone[i], `request ${i} (gen)`);
        else {
          r.logprobs.forEach((b, t) => {
            const a = alone[i].logprobs[t]; // a class batch may differ from a pass alone in low bits
            assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(a) + 1e-9, `request ${i} (class)`);
          });
        }
        assert.equal(r.logprobs.length, all[i].continuationIds.length, `request ${i}`);
      });
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `one sequence at a time, or without experts, gen mode scores the same${sharedSkip}`,
  ignore,
  fn: async () => {
    const all = requests(0.5, "topk");
    const one = await openModel(stories260K, { device: "cpu", batch: { maxSequences: 1 } });
    const bare = await openModel(stories260K, {
      device: "cpu",
      batch: { maxSequences: 8, experts: false },
    });
    try {
      const alone = all.map((r) => one.score(r));
      one.scoreMany(all).forEach((r, i) => assertSame(r, alone[i], `request ${i}, one at a time`));
      bare.scoreMany(all).forEach((r, i) => {
        assert.equal(r.experts, null);
        assertSame({ ...r, experts: alone[i].experts }, alone[i], `request ${i}, no experts`);
      });
    } finally {
      one.close();
      bare.close();
    }
  },
});

Deno.test({
  name: `fewer sessions than requests: freed sessions take the waiting ones${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, { device: "cpu" });
    const sessions = Array.from({ length: 5 }, () => new NativeSession(model.native, 64));
    try {
      const all = requests(0.5, "random");
      const alone = all.map((r) => model.score(r));
      assert.ok(alone.every((r) => r.timings.decodedTogether === undefined));
      const steps = all.reduce((s, r) => s + r.continuationIds.length - 1, 0);
      // steps whose requests all score on the device take decodeBatchScores, others decodeBatch
      const { decodeBatch, decodeBatchScores } = NativeSession;
      for (const width of [1, 2, 5]) {
        const widths: number[] = []; // sequences in each engine call
        let decodeMs = 0; // the engine calls' time, which the sequences' token times share
        const timed = <A extends unknown[], R>(call: (...args: A) => R) => (...args: A): R => {
          const started = performance.now();
          widths.push((args[0] as unknown[]).length);
          const out = call(...args);
          decodeMs += performance.now() - started;
          return out;
        };
        NativeSession.decodeBatch = timed(decodeBatch);
        NativeSession.decodeBatchScores = timed(decodeBatchScores);
        let tokenMs = 0, together = 0;
        try {
          scoreGenBatch(sessions.slice(0, width), all).forEach((r, i) => {
            assertSame(r, alone[i], `request ${i} on ${width} sessions`);
            tokenMs += r.timings.tokenMs.reduce((a, b) => a + b, 0);
            if (r.timings.decodedTogether) together++;
          });
        } finally {
          NativeSession.decodeBatch = decodeBatch;
          NativeSession.decodeBatchScores = decodeBatchScores;
        }
        assert.ok(tokenMs >= decodeMs - 1e-6 && tokenMs < decodeMs + 50, `${tokenMs} ms`);
        assert.equal(widths.reduce((s, w) => s + w, 0), steps, "one decoded token a step each");
        assert.equal(Math.max(...widths), width, `at most ${width} in a step`);
        if (width > 1) assert.ok(widths.length < steps, `${widths.length} calls for ${steps}`);
        // token times shared with other sequences are marked: they are not batch-1 speeds
        assert.ok(width === 1 ? together === 0 : together > 0, `${together} marked`);
      }
      assert.deepEqual(scoreGenBatch(sessions, []), []);
      assert.throws(
        () => scoreGenBatch(sessions, requests(0.5, "topk", "class")),
        /takes mode gen, not class/,
      );
    } finally {
      sessions.forEach((s) => s.close());
      model.close();
    }
  },
});

Deno.test({
  name: `gen-mode requests that score refuses fail with its messages when batched${sharedSkip}`,
  ignore,
  fn: async () => {
    const model = await openModel(stories260K, {
      device: "cpu",
      contextLength: 8,
      batch: { maxSequences: 4 },
    });
    try {
      const griffin = { density: 0.5, method: "topk" as const, seed: 0 };
      const good = { contextIds: [1, 5], continuationIds: [6, 7], mode: "gen" as const, griffin };
      const bad: [Partial<ScoreRequest>, RegExp][] = [
        [{ contextIds: [] }, /context is empty/],
        [{ continuationIds: [] }, /continuation is empty/],
        [
          { contextIds: [1, 2, 3, 4, 5], continuationIds: [1, 2, 3, 4, 5] },
          /need 9 positions .* at most 8/,
        ],
      ];
      for (const [change, message] of bad) {
        assert.throws(() => model.scoreMany([good, { ...good, ...change }, good]), message);
        assert.throws(() => scoreGenBatch([model.session], [{ ...good, ...change }]), message);
      }
    } finally {
      model.close();
    }
  },
});
