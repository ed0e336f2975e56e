import assert from "node:assert/strict";
import { ModelFileError, parseModelConfig, readModelConfig } from "./config.ts";

const LLAMA = {
  model_type: "llama",
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 5,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  vocab_size: 512,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: true,
  torch_dtype: "float32",
  bos_token_id: 1,
  eos_token_id: 2,
};

const OPT = {
  model_type: "opt",
  activation_function: "relu",
  do_layer_norm_before: true,
  enable_bias: true,
  ffn_dim: 3072,
  hidden_size: 768,
  max_position_embeddings: 2048,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  vocab_size: 50272,
  word_embed_proj_dim: 768,
  torch_dtype: "float16",
  bos_token_id: 2,
  eos_token_id: 2,
};

Deno.test("a Llama config.json becomes the engine's config with Hugging Face defaults", () => {
  const c = parseModelConfig(LLAMA, "config.json");
  assert.equal(c.architecture, "llama");
  assert.equal(c.engine.headDim, 8);
  assert.equal(c.engine.kvHeads, 4);
  assert.equal(c.engine.ropeTheta, 10000);
  assert.equal(c.engine.activation, "silu");
  assert.equal(c.engine.tiedEmbeddings, true);
  assert.equal(c.checkpointDtype, "f32");
  assert.deepEqual(c.eosTokenIds, [2]);
});

Deno.test("config errors name the file and every bad field", () => {
  const bad = { ...LLAMA, hidden_size: "sixty-four", num_hidden_layers: 0 };
  assert.throws(
    () => parseModelConfig(bad, "m/config.json"),
    (e: Error) =>
      e instanceof ModelFileError && e.message.startsWith("m/config.json: ") &&
      e.message.includes("field hidden_size") && e.message.includes("field num_hidden_layers"),
  );
});

Deno.test("a missing required field is named", () => {
  const { vocab_size: _, ...missing } = LLAMA;
  assert.throws(() => parseModelConfig(missing, "c.json"), /field vocab_size/);
});

Deno.test("an unknown model_type or activation lists what is supported", () => {
  assert.throws(
    () => parseModelConfig({ ...LLAMA, model_type: "bert" }, "c.json"),
    /field model_type: "bert" is not supported; supported: llama, mistral, qwen2, gemma, opt/,
  );
  assert.throws(
    () => parseModelConfig({ ...LLAMA, hidden_act: "swiglu9" }, "c.json"),
    /field hidden_act: "swiglu9" is not supported; supported: silu/,
  );
  assert.throws(
    () => parseModelConfig({ ...OPT, activation_function: "tanh" }, "c.json"),
    /field activation_function: "tanh" is not supported; supported: silu/,
  );
  assert.throws(() => parseModelConfig({ hidden_size: 8 }, "c.json"), /field model_type: missing/);
});

Deno.test("RoPE types other than default and llama3 are refused rather than ignored", () => {
  assert.throws(
    () => parseModelConfig({ ...LLAMA, rope_scaling: { type: "yarn", factor: 4 } }, "c.json"),
    /field rope_scaling.rope_type: "yarn" is not supported; supported: default, llama3/,
  );
  assert.throws(
    () => parseModelConfig({ ...LLAMA, rope_parameters: { rope_type: "linear" } }, "c.json"),
    /field rope_parameters.rope_type: "linear" is not supported/,
  );
  assert.throws(
    () => parseModelConfig({ ...LLAMA, partial_rotary_factor: 0.5 }, "c.json"),
    /field partial_rotary_factor: 0.5 is not supported/,
  );
});

Deno.test("Llama 3's rope_scaling is read from the Hub's form and from transformers 5's", () => {
  const scaling = {
    rope_type: "llama3",
    factor: 32,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 8192,
  };
  const hub = parseModelConfig({ ...LLAMA, rope_theta: 500000, rope_scaling: scaling }, "c");
  const v5 = parseModelConfig(
    { ...LLAMA, rope_parameters: { ...scaling, rope_theta: 500000 } },
    "c",
  );
  for (const c of [hub, v5]) {
    assert.equal(c.engine.ropeTheta, 500000);
    assert.deepEqual(c.engine.ropeScaling, {
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositions: 8192,
    });
  }
  const noOriginal = { ...scaling, original_max_position_embeddings: undefined };
  const fallback = parseModelConfig({ ...LLAMA, rope_scaling: noOriginal }, "c");
  assert.equal(fallback.engine.ropeScaling?.originalMaxPositions, 512);
});

Deno.test("ReLU-Llama is Llama with a ReLU gated FF; attention_bias and mlp_bias add biases", () => {
  const relu = parseModelConfig({ ...LLAMA, hidden_act: "relu" }, "c");
  assert.equal(relu.engine.activation, "relu");
  assert.ok(relu.engine.gated);
  const biased = parseModelConfig({ ...LLAMA, attention_bias: true, mlp_bias: true }, "c");
  assert.deepEqual(biased.engine.biases, { qkv: true, o: true, ff: true });
});

Deno.test("Mistral reads sliding_window, with transformers' 4096 when absent", () => {
  const mistral = { ...LLAMA, model_type: "mistral", sliding_window: 4096, rope_theta: 1e6 };
  assert.equal(parseModelConfig(mistral, "c").engine.slidingWindow, 4096);
  assert.equal(parseModelConfig(mistral, "c").engine.ropeTheta, 1e6);
  assert.equal(
    parseModelConfig({ ...mistral, sliding_window: null }, "c").engine.slidingWindow,
    undefined,
  );
  const { sliding_window: _, ...absent } = mistral;
  assert.equal(parseModelConfig(absent, "c").engine.slidingWindow, 4096);
});

Deno.test("Qwen2 has q/k/v biases and refuses its per-layer sliding windows", () => {
  const qwen2 = { ...LLAMA, model_type: "qwen2", use_sliding_window: false, sliding_window: 32768 };
  const c = parseModelConfig(qwen2, "c");
  assert.deepEqual(c.engine.biases, { qkv: true, o: false, ff: false });
  assert.equal(c.engine.slidingWindow, undefined);
  assert.throws(
    () => parseModelConfig({ ...qwen2, use_sliding_window: true, max_window_layers: 2 }, "c"),
    /field use_sliding_window: Qwen2's per-layer sliding windows are not supported/,
  );
});

Deno.test("Gemma: (1 + w) RMSNorm, √hidden embedding scale, its own head_dim, GELU-tanh", () => {
  const gemma = {
    ...LLAMA,
    model_type: "gemma",
    num_key_value_heads: 1,
    head_dim: 256,
    hidden_act: "gelu",
    tie_word_embeddings: undefined,
  };
  const c = parseModelConfig(gemma, "c");
  assert.equal(c.engine.norm, "rms_one_plus");
  assert.equal(c.engine.embedScale, Math.fround(8));
  assert.equal(c.engine.headDim, 256);
  assert.equal(c.engine.activation, "gelu_tanh");
  assert.equal(c.engine.tiedEmbeddings, true);
  const { head_dim: _, ...noHeadDim } = gemma;
  assert.equal(parseModelConfig(noHeadDim, "c").engine.headDim, 256);
  const exact = parseModelConfig({ ...gemma, hidden_activation: "gelu" }, "c");
  assert.equal(exact.engine.activation, "gelu");
});

Deno.test("OPT: LayerNorm, learned positions at offset 2, biases, plain ReLU FF", () => {
  const c = parseModelConfig(OPT, "c");
  assert.equal(c.tensorNaming, "opt");
  assert.equal(c.engine.norm, "layernorm");
  assert.equal(c.engine.normEps, 1e-5);
  assert.deepEqual(c.engine.learnedPositions, { offset: 2 });
  assert.deepEqual(c.engine.biases, { qkv: true, o: true, ff: true });
  assert.equal(c.engine.gated, false);
  assert.equal(c.engine.activation, "relu");
  assert.equal(c.engine.ffSize, 3072);
  assert.equal(c.engine.postNorm, false);
  assert.equal(c.engine.embedDim, undefined);
  const m350 = parseModelConfig(
    {
      ...OPT,
      hidden_size: 1024,
      num_attention_heads: 16,
      word_embed_proj_dim: 512,
      do_layer_norm_before: false,
    },
    "c",
  );
  assert.equal(m350.engine.postNorm, true);
  assert.equal(m350.engine.noFinalNorm, true);
  assert.equal(m350.engine.embedDim, 512);
  assert.throws(
    () => parseModelConfig({ ...OPT, layer_norm_elementwise_affine: false }, "c"),
    /field layer_norm_elementwise_affine: false is not supported/,
  );
  const { ffn_dim: _, ...noFf } = OPT;
  assert.throws(() => parseModelConfig(noFf, "c"), /field ffn_dim/);
});

Deno.test("heads that grouped-query attention cannot share are refused", () => {
  assert.throws(
    () => parseModelConfig({ ...LLAMA, num_key_value_heads: 3 }, "c.json"),
    /num_key_value_heads: 3 does not divide/,
  );
});

Deno.test("a config.json that is not JSON, or not there, is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(() => readModelConfig(dir), /config.json: cannot read it/);
    Deno.writeTextFileSync(`${dir}/config.json`, "{ not json");
    assert.throws(() => readModelConfig(dir), /config.json: not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
