import assert from "node:assert/strict";
import { NativeModel } from "./model.ts";
import { NativeSession } from "./session.ts";
import { EngineError, Status } from "./errors.ts";
import { argmax } from "../engine/sampler.ts";
import { logSoftmax } from "../engine/log_softmax.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import { librarySkip } from "../testdata/fixtures.ts";

const ignore = librarySkip !== "";

/** A tiny synthetic model on the CPU. */
function tinyModel(): NativeModel {
  const model = new NativeModel(SYNTHETIC_SHAPES.tiny, -1);
  model.synthesize(3n);
  model.finalize();
  return model;
}

/** Three sessions on one tiny synthetic model, each after a prompt of its own. */
function prompted(model: NativeModel, density: number): NativeSession[] {
  return [7, 12, 3].map((length, b) => {
    const session = new NativeSession(model, 64);
    session.setGriffin(Array(SYNTHETIC_SHAPES.tiny.layers).fill(density), "topk", 0);
    session.prompt(Int32Array.from({ length }, (_, j) => 5 + (b * 37 + j * 11) % 500));
    return session;
  });
}

Deno.test({
  name: `decodeBatchGreedy and decodeGreedy give the argmax of the logits${librarySkip}`,
  ignore,
  fn: () => {
    const model = tinyModel();
    try {
      for (const density of [1, 0.5]) {
        const greedy = prompted(model, density), logits = prompted(model, density);
        const alone = prompted(model, density);
        let ids = [9, 100, 411];
        for (let step = 0; step < 6; step++) {
          const tokens = NativeSession.decodeBatchGreedy(greedy, ids);
          const rows = NativeSession.decodeBatch(logits, ids);
          const vocab = rows.length / ids.length;
          const want = ids.map((_, b) => argmax(rows, b * vocab, vocab));
          assert.deepEqual([...tokens], want, `density ${density}, step ${step}`);
          assert.deepEqual(
            alone.map((s, b) => s.decodeGreedy(ids[b])),
            want,
            `alone, step ${step}`,
          );
          ids = want;
        }
        assert.deepEqual(greedy.map((s) => s.position), logits.map((s) => s.position));
        [...greedy, ...logits, ...alone].forEach((s) => s.close());
      }
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name:
    `decodeBatchScores and decodeScore give the targets' log-softmax and argmax flags${librarySkip}`,
  ignore,
  fn: () => {
    const model = tinyModel();
    try {
      for (const density of [1, 0.5]) {
        const scored = prompted(model, density), logits = prompted(model, density);
        const alone = prompted(model, density);
        let ids = [9, 100, 411];
        for (let step = 0; step < 6; step++) {
          const rows = NativeSession.decodeBatch(logits, ids);
          const vocab = rows.length / ids.length;
          const best = ids.map((_, b) => argmax(rows, b * vocab, vocab));
          // each row's argmax, and a token that is not: both flags are seen
          const targets = best.map((t, b) => (b + step) % 2 === 0 ? t : (t + 1) % vocab);
          const want = targets.map((t, b) => ({
            logprob: logSoftmax(rows, b * vocab, vocab)[t],
            greedy: t === best[b],
          }));
          const got = NativeSession.decodeBatchScores(scored, ids, targets);
          const one = alone.map((s, b) => s.decodeScore(ids[b], targets[b]));
          for (const [what, scores] of [["batched", got], ["alone", one]] as const) {
            scores.forEach((score, b) => {
              const where = `${what}, density ${density}, step ${step}, row ${b}`;
              assert.equal(score.greedy, want[b].greedy, where);
              assert.ok(Math.abs(score.logprob - want[b].logprob) < 1e-12, where);
            });
          }
          ids = targets;
        }
        [...scored, ...logits, ...alone].forEach((s) => s.close());
      }
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name:
    `the greedy and scoring decodes refuse what decode and decodeBatch refuse, and bad targets${librarySkip}`,
  ignore,
  fn: () => {
    const model = tinyModel();
    const sessions = prompted(model, 1);
    const fresh = new NativeSession(model, 64);
    try {
      assert.throws(() => NativeSession.decodeBatchGreedy(sessions, [1, 2]), RangeError);
      assert.throws(
        () => NativeSession.decodeBatchGreedy([sessions[0], fresh], [1, 2]),
        (e: unknown) => e instanceof EngineError && e.status === Status.state,
      );
      assert.throws(
        () => NativeSession.decodeBatchGreedy([sessions[0]], [100000]),
        (e: unknown) => e instanceof EngineError && /outside the vocabulary/.test(e.message),
      );
      assert.throws(
        () => fresh.decodeGreedy(1),
        (e: unknown) => e instanceof EngineError && e.status === Status.state,
      );
      assert.throws(
        () => fresh.decodeScore(1, 2),
        (e: unknown) => e instanceof EngineError && e.status === Status.state,
      );
      assert.throws(
        () => sessions[0].decodeScore(1, 100000),
        (e: unknown) => e instanceof EngineError && /target 100000 is outside/.test(e.message),
      );
      assert.throws(
        () => NativeSession.decodeBatchScores(sessions, [1, 2, 3], [4, -1, 5]),
        (e: unknown) => e instanceof EngineError && /target -1 of session 1/.test(e.message),
      );
      assert.throws(() => NativeSession.decodeBatchScores(sessions, [1, 2, 3], [4]), RangeError);
    } finally {
      [...sessions, fresh].forEach((s) => s.close());
      model.close();
    }
  },
});
