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
    /field model_type: "bert" is not supported; supported: llama/,
  );
  assert.throws(
    () => parseModelConfig({ ...LLAMA, hidden_act: "swiglu9" }, "c.json"),
    /field hidden_act: "swiglu9" is not supported; supported: silu/,
  );
});

Deno.test("rope_scaling and attention biases are refused rather than ignored", () => {
  assert.throws(
    () => parseModelConfig({ ...LLAMA, rope_scaling: { type: "llama3" } }, "c.json"),
    /field rope_scaling: not supported/,
  );
  assert.throws(
    () => parseModelConfig({ ...LLAMA, attention_bias: true }, "c.json"),
    /field attention_bias: not supported/,
  );
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
