import assert from "node:assert/strict";
import { type EngineConfig, packConfig, parameterCount } from "./config.ts";
import { NativeModel } from "./model.ts";
import { NativeSession } from "./session.ts";
import { readModelConfig } from "../models/config.ts";
import { readModelTensors } from "../models/safetensors.ts";
import { librarySkip } from "../testdata/fixtures.ts";

const ignore = librarySkip !== "";
const fixture = (name: string) => new URL(`../testdata/arch/${name}`, import.meta.url).pathname;

const OPT_LIKE: EngineConfig = {
  layers: 1,
  hiddenSize: 8,
  ffSize: 16,
  heads: 2,
  kvHeads: 2,
  headDim: 4,
  vocabSize: 10,
  maxPositions: 16,
  normEps: 1e-5,
  ropeTheta: 10000,
  activation: "relu",
  gated: false,
  tiedEmbeddings: true,
  dtype: "f32",
  norm: "layernorm",
  learnedPositions: { offset: 2 },
  biases: { qkv: true, o: true, ff: true },
};

Deno.test("the architecture options land at gf_config's offsets, zero meaning the Llama form", () => {
  const plain = new DataView(
    packConfig({ ...OPT_LIKE, norm: undefined, biases: undefined, learnedPositions: undefined })
      .buffer,
  );
  for (let offset = 56; offset < 128; offset += 4) assert.equal(plain.getInt32(offset, true), 0);
  const view = new DataView(
    packConfig({
      ...OPT_LIKE,
      embedScale: 3,
      postNorm: true,
      noFinalNorm: true,
      slidingWindow: 5,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 99 },
      embedDim: 6,
    }).buffer,
  );
  assert.deepEqual(
    [56, 64, 68, 72, 76, 80, 84, 100, 104, 108].map((o) => view.getInt32(o, true)),
    [2, 1, 1, 1, 2, 5, 1, 99, 7, 6],
  );
  assert.deepEqual([60, 88, 92, 96].map((o) => view.getFloat32(o, true)), [3, 8, 1, 4]);
});

Deno.test("parameter counts equal the tensors of each architecture's checkpoint", () => {
  for (const name of ["llama3", "qwen2", "gemma", "opt", "opt-350m"]) {
    const config = readModelConfig(fixture(name));
    let stored = 0;
    for (const t of readModelTensors(fixture(name)).values()) {
      stored += t.shape.reduce((a, b) => a * b, 1);
    }
    assert.equal(parameterCount(config.engine), stored, name);
  }
});

Deno.test({
  name: `a tensor the config does not use is refused with the reason${librarySkip}`,
  ignore,
  fn: () => {
    const model = new NativeModel({ ...OPT_LIKE, biases: { qkv: true } }, -1);
    try {
      const bias = new Uint8Array(8 * 4);
      assert.throws(
        () => model.loadData({ kind: "bo", layer: 0 }, "f32", bias),
        /o_proj.bias given but the config has no output-projection bias/,
      );
      assert.throws(
        () => model.loadData({ kind: "wGate", layer: 0 }, "f32", new Uint8Array(16 * 8 * 4)),
        /gate_proj given but the config's FF block is not gated/,
      );
      assert.throws(
        () => model.loadData({ kind: "projectIn", layer: -1 }, "f32", new Uint8Array(64 * 4)),
        /project_in given but embed_dim equals hidden_size/,
      );
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `finalize names a missing bias or position table${librarySkip}`,
  ignore,
  fn: () => {
    const model = new NativeModel(OPT_LIKE, -1);
    try {
      assert.throws(() => model.finalize(), /missing tensor embed_tokens/);
      model.loadData({ kind: "embed", layer: -1 }, "f32", new Uint8Array(10 * 8 * 4));
      model.loadData({ kind: "finalNorm", layer: -1 }, "f32", new Uint8Array(8 * 4));
      model.loadData({ kind: "finalNormBias", layer: -1 }, "f32", new Uint8Array(8 * 4));
      assert.throws(() => model.finalize(), /missing tensor embed_positions/);
      model.loadData({ kind: "posEmbed", layer: -1 }, "f32", new Uint8Array(18 * 8 * 4));
      assert.throws(() => model.finalize(), /missing tensor input_layernorm of layer 0/);
    } finally {
      model.close();
    }
  },
});

Deno.test({
  name: `synthetic weights fill every tensor an architecture's options need${librarySkip}`,
  ignore,
  fn: () => {
    const configs: EngineConfig[] = [
      OPT_LIKE,
      { ...OPT_LIKE, postNorm: true, noFinalNorm: true, embedDim: 4 },
      {
        ...OPT_LIKE,
        norm: "rms_one_plus",
        gated: true,
        learnedPositions: undefined,
        embedScale: 2,
        slidingWindow: 3,
        biases: { qkv: true },
      },
    ];
    for (const config of configs) {
      const model = new NativeModel(config, -1);
      model.synthesize(7n);
      model.finalize();
      const session = new NativeSession(model, 16);
      const logits = session.prompt(new Int32Array([1, 2, 3, 4, 5]));
      assert.ok(logits.every(Number.isFinite));
      session.close();
      model.close();
    }
  },
});
