/**
 * Hugging Face tensor names of the Llama family and the engine slots they fill.
 *
 * @module
 */
import type { EngineConfig } from "../ffi/config.ts";
import type { TensorSlot } from "../ffi/model.ts";

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
 * Every tensor a Llama-family model of this config needs.
 *
 * @example
 * ```ts ignore
 * expectedTensors(config).find((t) => t.name === "model.norm.weight");
 * ```
 */
export function expectedTensors(c: EngineConfig): ExpectedTensor[] {
  const h = c.hiddenSize, q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  const out: ExpectedTensor[] = [
    { name: "model.embed_tokens.weight", kind: "embed", layer: -1, shape: [c.vocabSize, h] },
    { name: "model.norm.weight", kind: "finalNorm", layer: -1, shape: [h] },
  ];
  if (!c.tiedEmbeddings) {
    out.push({ name: "lm_head.weight", kind: "lmHead", layer: -1, shape: [c.vocabSize, h] });
  }
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}`;
    out.push(
      { name: `${p}.input_layernorm.weight`, kind: "attnNorm", layer: l, shape: [h] },
      { name: `${p}.self_attn.q_proj.weight`, kind: "wq", layer: l, shape: [q, h] },
      { name: `${p}.self_attn.k_proj.weight`, kind: "wk", layer: l, shape: [kv, h] },
      { name: `${p}.self_attn.v_proj.weight`, kind: "wv", layer: l, shape: [kv, h] },
      { name: `${p}.self_attn.o_proj.weight`, kind: "wo", layer: l, shape: [h, q] },
      { name: `${p}.post_attention_layernorm.weight`, kind: "ffNorm", layer: l, shape: [h] },
      { name: `${p}.mlp.gate_proj.weight`, kind: "wGate", layer: l, shape: [c.ffSize, h] },
      { name: `${p}.mlp.up_proj.weight`, kind: "wUp", layer: l, shape: [c.ffSize, h] },
      { name: `${p}.mlp.down_proj.weight`, kind: "wDown", layer: l, shape: [h, c.ffSize] },
    );
  }
  return out;
}
