import assert from "node:assert/strict";
import { NativeModel } from "./model.ts";
import { NativeSession } from "./session.ts";
import { ClosedError, EngineError, Status } from "./errors.ts";
import { buildInfo, cudaDeviceCount } from "./library.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import { librarySkip } from "../testdata/fixtures.ts";

const ignore = librarySkip !== "";
const tiny = SYNTHETIC_SHAPES.tiny;

function tinyModel(): NativeModel {
  const model = new NativeModel(tiny, -1);
  model.synthesize(1n);
  model.finalize();
  return model;
}

Deno.test({
  name:
    `handles closed twice are safe and handles used after close raise ClosedError${librarySkip}`,
  ignore,
  fn: () => {
    const model = tinyModel();
    const session = new NativeSession(model, 16);
    session.close();
    session.close();
    assert.throws(() => session.prompt(new Int32Array([1, 2])), ClosedError);
    assert.throws(() => session.experts(0), ClosedError);
    model.close();
    model.close();
    assert.ok(model.closed);
    assert.throws(() => model.weightBytes(), ClosedError);
    assert.throws(() => new NativeSession(model, 16), ClosedError);
  },
});

Deno.test({
  name: `a model with an open session refuses to close${librarySkip}`,
  ignore,
  fn: () => {
    const model = tinyModel();
    const session = new NativeSession(model, 16);
    assert.throws(() => model.close(), /open session/);
    session.close();
    model.close();
  },
});

Deno.test({
  name: `native errors carry a status code and a message that names the problem${librarySkip}`,
  ignore,
  fn: () => {
    const model = tinyModel();
    const session = new NativeSession(model, 16);
    try {
      assert.throws(
        () => session.prompt(new Int32Array([1, 9999])),
        (e: Error) =>
          e instanceof EngineError && e.status === Status.invalidArgument &&
          /token id 9999 at position 1 is outside the vocabulary/.test(e.message),
      );
      assert.throws(() => session.decode(3), /needs a prompt phase first/);
      assert.throws(
        () => session.setGriffin([0.5, 0.5, 0.5, 2], "topk", 0),
        /density 2 of layer 3/,
      );
      assert.throws(() => session.setGriffin([0.5], "topk", 0), /one per layer/);
      assert.throws(() => session.prompt(new Int32Array(17).fill(3)), /at most 16/);
      assert.throws(() => session.forwardClass(new Int32Array([3])), /at least 2 tokens/);
      assert.throws(() => new NativeSession(model, 100000), /max_positions 100000/);
    } finally {
      session.close();
      model.close();
    }
  },
});

Deno.test({
  name: `loading a tensor of the wrong size or into a finalized model fails cleanly${librarySkip}`,
  ignore,
  fn: () => {
    const model = new NativeModel(tiny, -1);
    try {
      assert.throws(
        () => model.loadData({ kind: "wq", layer: 0 }, "f32", new Uint8Array(12)),
        /q_proj \(layer 0\) has 12 bytes but the config implies 64×64 F32 = 16384 bytes/,
      );
      assert.throws(
        () => model.loadData({ kind: "wq", layer: 9 }, "f32", new Uint8Array(4)),
        /layer 9/,
      );
      assert.throws(() => model.finalize(), /missing tensor embed_tokens/);
      assert.throws(
        () => model.loadFile({ kind: "finalNorm", layer: -1 }, "f32", "/nonexistent/file", 0, 256),
        (e: Error) => e instanceof EngineError && e.status === Status.io,
      );
      model.synthesize(2n);
      model.finalize();
      assert.throws(
        () => model.loadData({ kind: "finalNorm", layer: -1 }, "f32", new Uint8Array(256)),
        /finalized/,
      );
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `asking for a CUDA device on a build or machine without one is a clear error${librarySkip}`,
  ignore,
  fn: () => {
    assert.match(buildInfo(), /^griffin-bench engine abi 1, cpu/);
    if (cudaDeviceCount() === 0) {
      assert.throws(() => new NativeModel(tiny, 0), /cuda:0/);
    }
  },
});
