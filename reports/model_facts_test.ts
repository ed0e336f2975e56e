import assert from "node:assert/strict";
import { modelFacts, shapeFromConfig } from "./model_facts.ts";

Deno.test("a synthetic model's facts come from the engine's shape table", async () => {
  const facts = await modelFacts({ id: "synthetic:llama2-13b", label: "13b" }, []);
  assert.equal(facts.architecture, "synthetic llama");
  assert.equal(facts.dtype, "bf16");
  assert.ok(facts.parameters! > 12.9e9 && facts.parameters! < 13.1e9);
});

Deno.test("a model folder's facts come from its config.json under the first root that has it", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/m`);
    await Deno.writeTextFile(
      `${root}/m/config.json`,
      JSON.stringify({
        model_type: "llama",
        hidden_size: 64,
        intermediate_size: 172,
        num_hidden_layers: 5,
        num_attention_heads: 8,
        num_key_value_heads: 4,
        vocab_size: 512,
        tie_word_embeddings: true,
        torch_dtype: "float32",
      }),
    );
    const facts = await modelFacts({ id: "m", label: "stories" }, ["/nonexistent", root]);
    assert.equal(facts.architecture, "llama");
    assert.equal(facts.dtype, "f32");
    assert.equal(facts.shape?.headDim, 8);
    assert.equal(facts.parameters, 260_032); // stories260K's published count
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a missing model folder gives unknown facts with a note, not an error", async () => {
  const facts = await modelFacts({ id: "nowhere/model", label: "x", dtype: "f16" }, ["/tmp"]);
  assert.equal(facts.architecture, "unknown");
  assert.equal(facts.dtype, "f16");
  assert.match(facts.note ?? "", /config\.json not found/);
});

Deno.test("a config without the shape fields gives no shape", () => {
  assert.equal(shapeFromConfig({ model_type: "mystery" }), undefined);
});
