/**
 * Hugging Face tensor names of the supported architectures and the engine slots they fill:
 * the Llama family (`model.layers.N.self_attn.q_proj.weight`, …) and OPT
 * (`model.decoder.layers.N.fc1.weight`, …).
 *
 * @module
 */
import type { EngineConfig } from "../ffi/config.ts";
import type { TensorKind, TensorSlot } from "../ffi/model.ts";
import type { TensorNaming } from "./config.ts";

/** One tensor the engine expects: its name, slot and shape. */
export interface ExpectedTensor extends TensorSlot {
  /** Hugging Face name. */
  name: string;
  /** Shape as in the checkpoint. */
  shape: number[];
}

/** Names the engine ignores (buffers some checkpoints carry). */
export function isIgnoredTensor(name: string): boolean {
  return name.endsWith(".rotary_emb.inv_freq");
}

/**
 * Other names a checkpoint may use for a tensor: OPT's Hub checkpoints were saved without the
 * `model.` prefix (`decoder.layers.0.fc1.weight`).
 */
export function alternativeNames(name: string): string[] {
  return name.startsWith("model.decoder.") ? [name.slice("model.".length)] : [];
}

/** Per-layer tensors: [kind, Hugging Face name after the layer prefix, shape]. */
type LayerTensor = [TensorKind, string, number[]];

function llamaLayer(c: EngineConfig): LayerTensor[] {
  const h = c.hiddenSize, q = c.heads * c.headDim, kv = c.kvHeads * c.headDim, ff = c.ffSize;
  const b = c.biases ?? {};
  const out: LayerTensor[] = [
    ["attnNorm", "input_layernorm.weight", [h]],
    ["wq", "self_attn.q_proj.weight", [q, h]],
    ["wk", "self_attn.k_proj.weight", [kv, h]],
    ["wv", "self_attn.v_proj.weight", [kv, h]],
    ["wo", "self_attn.o_proj.weight", [h, q]],
    ["ffNorm", "post_attention_layernorm.weight", [h]],
    ["wGate", "mlp.gate_proj.weight", [ff, h]],
    ["wUp", "mlp.up_proj.weight", [ff, h]],
    ["wDown", "mlp.down_proj.weight", [h, ff]],
  ];
  if (b.qkv) {
    out.push(
      ["bq", "self_attn.q_proj.bias", [q]],
      ["bk", "self_attn.k_proj.bias", [kv]],
      ["bv", "self_attn.v_proj.bias", [kv]],
    );
  }
  if (b.o) out.push(["bo", "self_attn.o_proj.bias", [h]]);
  if (b.ff) {
    out.push(
      ["bGate", "mlp.gate_proj.bias", [ff]],
      ["bUp", "mlp.up_proj.bias", [ff]],
      ["bDown", "mlp.down_proj.bias", [h]],
    );
  }
  return out;
}

function optLayer(c: EngineConfig): LayerTensor[] {
  const h = c.hiddenSize, ff = c.ffSize, b = c.biases ?? {};
  const out: LayerTensor[] = [
    ["attnNorm", "self_attn_layer_norm.weight", [h]],
    ["attnNormBias", "self_attn_layer_norm.bias", [h]],
    ["wq", "self_attn.q_proj.weight", [h, h]],
    ["wk", "self_attn.k_proj.weight", [h, h]],
    ["wv", "self_attn.v_proj.weight", [h, h]],
    ["wo", "self_attn.out_proj.weight", [h, h]],
    ["ffNorm", "final_layer_norm.weight", [h]],
    ["ffNormBias", "final_layer_norm.bias", [h]],
    ["wUp", "fc1.weight", [ff, h]],
    ["wDown", "fc2.weight", [h, ff]],
  ];
  if (b.qkv) {
    out.push(
      ["bq", "self_attn.q_proj.bias", [h]],
      ["bk", "self_attn.k_proj.bias", [h]],
      ["bv", "self_attn.v_proj.bias", [h]],
    );
  }
  if (b.o) out.push(["bo", "self_attn.out_proj.bias", [h]]);
  if (b.ff) out.push(["bUp", "fc1.bias", [ff]], ["bDown", "fc2.bias", [h]]);
  return out;
}

/** Model-wide tensors of OPT. */
function optModel(c: EngineConfig): ExpectedTensor[] {
  const h = c.hiddenSize, e = c.embedDim ?? h, p = "model.decoder";
  const out: ExpectedTensor[] = [
    { name: `${p}.embed_tokens.weight`, kind: "embed", layer: -1, shape: [c.vocabSize, e] },
    {
      name: `${p}.embed_positions.weight`,
      kind: "posEmbed",
      layer: -1,
      shape: [c.maxPositions + (c.learnedPositions?.offset ?? 0), h],
    },
  ];
  if (!c.noFinalNorm) {
    out.push(
      { name: `${p}.final_layer_norm.weight`, kind: "finalNorm", layer: -1, shape: [h] },
      { name: `${p}.final_layer_norm.bias`, kind: "finalNormBias", layer: -1, shape: [h] },
    );
  }
  if (e !== h) {
    out.push(
      { name: `${p}.project_in.weight`, kind: "projectIn", layer: -1, shape: [h, e] },
      { name: `${p}.project_out.weight`, kind: "projectOut", layer: -1, shape: [e, h] },
    );
  }
  return out;
}

/**
 * Every tensor a model of this config needs, named as its architecture names them.
 *
 * @example
 * ```ts ignore
 * expectedTensors(config.engine, "llama").find((t) => t.name === "model.norm.weight");
 * ```
 */
export function expectedTensors(c: EngineConfig, naming: TensorNaming = "llama"): ExpectedTensor[] {
  const h = c.hiddenSize;
  const out: ExpectedTensor[] = naming === "opt" ? optModel(c) : [
    { name: "model.embed_tokens.weight", kind: "embed", layer: -1, shape: [c.vocabSize, h] },
    { name: "model.norm.weight", kind: "finalNorm", layer: -1, shape: [h] },
  ];
  if (!c.tiedEmbeddings) {
    out.push({
      name: "lm_head.weight",
      kind: "lmHead",
      layer: -1,
      shape: [c.vocabSize, c.embedDim ?? h],
    });
  }
  const layer = naming === "opt" ? optLayer(c) : llamaLayer(c);
  const prefix = naming === "opt" ? "model.decoder.layers" : "model.layers";
  for (let l = 0; l < c.layers; l++) {
    for (const [kind, name, shape] of layer) {
      out.push({ name: `${prefix}.${l}.${name}`, kind, layer: l, shape });
    }
  }
  return out;
}
