/**
 * What a report says about each model: architecture, parameter count, dtype and the shape the
 * memory roofline needs. Read from the model folder's `config.json`, or from the engine's table
 * of `synthetic:NAME` shapes.
 *
 * @module
 */
import { RepoCache } from "../models/hub/cache_layout.ts";
import { isHubModelId, parseHubId } from "../models/hub/hub_id.ts";
import { hubSettings } from "../models/hub/hub_settings.ts";
import { type EngineConfig, parameterCount } from "../ffi/config.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";

/** The part of a model's shape that decides how many bytes a decode step reads. */
export type ModelShape = Pick<
  EngineConfig,
  | "layers"
  | "hiddenSize"
  | "ffSize"
  | "heads"
  | "kvHeads"
  | "headDim"
  | "vocabSize"
  | "gated"
  | "tiedEmbeddings"
>;

/** One model as the report describes it. */
export interface ModelFacts {
  /** Short name used in the sweep. */
  label: string;
  /** Folder path or `synthetic:NAME`. */
  id: string;
  /** `model_type` (e.g. `llama`), `synthetic llama` for synthetic shapes, or `unknown`. */
  architecture: string;
  /** Parameters, norms included (undefined when the shape is not known). */
  parameters?: number;
  /** Dtype the weights ran in: the sweep's choice, else the checkpoint's. */
  dtype?: string;
  /** The shape, when known. */
  shape?: ModelShape;
  /** Why the shape is not known, when it is not. */
  note?: string;
  /** For a Hub id: the commit the sweep ran. */
  commit?: string;
}

const HF_DTYPES: Record<string, string> = { float16: "f16", bfloat16: "bf16", float32: "f32" };

/** Reads a `config.json` leniently: any decoder-only Transformer with the usual field names. */
export function shapeFromConfig(config: Record<string, unknown>): ModelShape | undefined {
  const int = (name: string) => {
    const value = config[name];
    return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const hiddenSize = int("hidden_size"), heads = int("num_attention_heads");
  const layers = int("num_hidden_layers"), ffSize = int("intermediate_size") ?? int("ffn_dim");
  const vocabSize = int("vocab_size");
  if (!hiddenSize || !heads || !layers || !ffSize || !vocabSize) return undefined;
  const plain = config.model_type === "opt";
  return {
    layers,
    hiddenSize,
    ffSize,
    heads,
    kvHeads: int("num_key_value_heads") ?? heads,
    headDim: int("head_dim") ?? hiddenSize / heads,
    vocabSize,
    gated: !plain,
    tiedEmbeddings: config.tie_word_embeddings === true ||
      (plain && config.tie_word_embeddings !== false),
  };
}

/** Parameters of a shape (the engine's count: embeddings, attention, FF, LM head, norms). */
export function shapeParameters(shape: ModelShape): number {
  return parameterCount({
    ...shape,
    maxPositions: 1,
    normEps: 1e-5,
    ropeTheta: 1e4,
    activation: "silu",
    dtype: "f32",
  });
}

/**
 * Gathers the facts of one model. `roots` are folders a relative model path may be relative to
 * (the sweep ran from the repository root, the report may run elsewhere); the first that holds
 * `config.json` wins.
 *
 * @example
 * ```ts
 * import { modelFacts } from "./model_facts.ts";
 * const facts = await modelFacts({ id: "synthetic:llama2-13b", label: "13b" }, []);
 * console.assert(facts.architecture === "synthetic llama" && facts.dtype === "bf16");
 * ```
 */
export async function modelFacts(
  model: { id: string; label: string; dtype?: string; commit?: string },
  roots: readonly string[],
): Promise<ModelFacts> {
  const base = {
    label: model.label,
    id: model.id,
    ...(model.commit ? { commit: model.commit } : {}),
  };
  if (model.id.startsWith("synthetic:")) {
    const shape = SYNTHETIC_SHAPES[model.id.slice("synthetic:".length)];
    if (!shape) {
      const note = `${model.id} is not a synthetic shape this engine knows`;
      return { ...base, architecture: "unknown", dtype: model.dtype, note };
    }
    return {
      ...base,
      architecture: "synthetic llama",
      parameters: shapeParameters(shape),
      dtype: model.dtype ?? shape.dtype,
      shape,
    };
  }
  const snapshot = hubSnapshot(model.id, model.commit);
  for (const root of snapshot || model.id.startsWith("/") ? [""] : roots) {
    const file = `${root ? `${root}/` : ""}${snapshot ?? model.id}/config.json`;
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(await Deno.readTextFile(file));
    } catch {
      continue;
    }
    const shape = shapeFromConfig(config);
    const stored = HF_DTYPES[String(config.torch_dtype ?? config.dtype)] ?? undefined;
    return {
      ...base,
      architecture: String(config.model_type ?? "unknown"),
      parameters: shape ? shapeParameters(shape) : undefined,
      dtype: model.dtype ?? stored,
      shape,
      note: shape ? undefined : `${file} lacks the usual shape fields`,
    };
  }
  return {
    ...base,
    architecture: "unknown",
    dtype: model.dtype,
    note: "config.json not found where the report ran",
  };
}

/** The cached snapshot of a Hub id at `commit` (else at its revision's ref), if any. */
function hubSnapshot(id: string, commit: string | undefined): string | undefined {
  const repo = isHubModelId(id) ? parseHubId(id) : undefined;
  if (!repo) return undefined;
  const cache = new RepoCache(hubSettings().cacheDir, repo);
  const resolved = commit ?? cache.readRef(repo.revision);
  return resolved ? cache.snapshot(resolved) : undefined;
}
