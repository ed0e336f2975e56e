/**
 * Gathers each sample's expert facts while a task runs, without the task knowing: the model
 * handed to the task is wrapped, and right after the first GRIFFIN call of each sample (the
 * call with the job's density and method; the full-model calls of agreement metrics do not
 * count) the session's experts and neuron scores are read, layer by layer. For multiple
 * choice that call is the first choice's; for generation, the generation itself.
 *
 * Per layer: the energy the experts keep (expert_facts.ts), their bitset, and their Jaccard
 * similarity with the magnitude set of the same size. The magnitude method's session scores
 * are the weight magnitudes, so for it the prompt's scores are recomputed from the captured
 * activations (a host copy of prompt × d_ff × layers floats per sample: noticeable on 7B-size
 * models with long prompts). One job per model also keeps its first sample's prompt
 * activations.
 *
 * @module
 */
import type { EngineModel } from "../engine/open.ts";
import type { GenerateRequest, LanguageModel, ScoreRequest } from "../engine/types.ts";
import { expertBitset, jaccard } from "./expert_bitset.ts";
import { energyKept, promptScores, roundFraction, topExperts } from "./expert_facts.ts";
import type { Job } from "./plan.ts";
import { type SampleExperts, toBase64 } from "./sample_experts.ts";

/** Neurons per layer in the activations kept for the heatmap, most active first. */
export const HEATMAP_NEURONS = 48;
/** Prompt tokens at most in the activations kept for the heatmap. */
export const HEATMAP_TOKENS = 128;

/** A wrapped model and the facts of the sample it last ran. */
export interface ExpertObserver {
  /** The model to hand to the task. */
  model: LanguageModel;
  /** The facts gathered since the last call (undefined when no GRIFFIN call ran). */
  take(): SampleExperts | undefined;
}

/** The job's settings; a density schedule (one per layer) is matched by identity. */
type Settings = Pick<Job, "method" | "analysis"> & { density: number | number[] };

/**
 * Wraps an open model so each sample's expert facts can be taken when the task emits it.
 *
 * @example
 * ```ts ignore
 * const observer = observeExperts(model, job);
 * await runTask(observer.model, name, options, griffin, mode, (s) =>
 *   onSample({ ...s, experts: observer.take() }));
 * ```
 */
export function observeExperts(model: EngineModel, job: Settings): ExpertObserver {
  let pending = true;
  let facts: SampleExperts | undefined;
  let wantActivations = job.analysis?.activations === true;
  const magnitudeSets = new Map<string, Uint8Array>();
  const ff = model.info.ffSize;
  const magnitudeSet = (layer: number, k: number) => {
    const key = `${layer}/${k}`;
    if (!magnitudeSets.has(key)) {
      magnitudeSets.set(key, expertBitset(topExperts(model.native.neuronMagnitudes(layer), k), ff));
    }
    return magnitudeSets.get(key)!;
  };
  const observe = <T>(
    griffin: GenerateRequest["griffin"],
    ids: number[],
    rows: number,
    call: () => T,
  ) => {
    const first = pending && griffin.density === job.density && griffin.method === job.method;
    const capture = first && (job.method === "magnitude" || wantActivations);
    if (capture) model.session.setCapture(true);
    try {
      const result = call();
      if (first) {
        facts = readFacts(
          model,
          ids,
          rows,
          magnitudeSet,
          job.method === "magnitude",
          wantActivations,
        );
        wantActivations &&= facts === undefined;
        pending = false;
      }
      return result;
    } finally {
      if (capture) model.session.setCapture(false);
    }
  };
  const wrapped: LanguageModel = {
    info: model.info,
    get eosTokenId() {
      return model.eosTokenId;
    },
    encode: (text, options) => model.encode(text, options),
    decode: (ids) => model.decode(ids),
    generate: (r: GenerateRequest) =>
      observe(r.griffin, r.promptIds, r.promptIds.length, () => model.generate(r)),
    score: (r: ScoreRequest) => {
      const ids = r.mode === "gen"
        ? r.contextIds
        : [...r.contextIds, ...r.continuationIds.slice(0, -1)];
      const rows = r.mode === "gen" ? ids.length : ids.length - 1;
      return observe(r.griffin, ids, rows, () => model.score(r));
    },
    close: () => model.close(),
  };
  return {
    model: wrapped,
    take() {
      const out = facts;
      facts = undefined;
      pending = true;
      return out;
    },
  };
}

function readFacts(
  model: EngineModel,
  ids: number[],
  rows: number,
  magnitudeSet: (layer: number, k: number) => Uint8Array,
  fromActivations: boolean,
  withActivations: boolean,
): SampleExperts | undefined {
  const { session } = model;
  const ff = model.info.ffSize;
  const out: SampleExperts = { ffSize: ff, energy: [], magnitudeOverlap: [], sets: [] };
  const heatmap: NonNullable<SampleExperts["activations"]>["layers"] = [];
  for (let l = 0; l < model.info.layers; l++) {
    const experts = session.experts(l);
    if (experts === null) {
      out.energy.push(null), out.magnitudeOverlap.push(null), out.sets.push(null);
      continue;
    }
    const z = fromActivations || withActivations ? session.activations(l) : undefined;
    const scores = fromActivations ? promptScores(z!.data, rows, ff) : session.neuronScores(l)!;
    const set = expertBitset(experts, ff);
    out.energy.push(roundFraction(energyKept(scores, experts)));
    out.magnitudeOverlap.push(roundFraction(jaccard(set, magnitudeSet(l, experts.length))));
    out.sets.push(toBase64(set));
    if (withActivations) heatmap.push(heatmapLayer(l, z!.data, rows, ff, scores));
  }
  if (out.sets.every((s) => s === null)) return undefined;
  if (withActivations) {
    const shown = Math.min(rows, HEATMAP_TOKENS);
    out.activations = {
      tokens: ids.slice(0, shown).map((id) => model.decode([id])),
      layers: heatmap,
    };
  }
  return out;
}

/** The first rows of Ẑ (rows normalised) on the layer's most active neurons, as base64 f32. */
function heatmapLayer(
  layer: number,
  z: Float32Array,
  rows: number,
  ff: number,
  scores: ArrayLike<number>,
): { layer: number; neurons: number[]; rows: number; values: string } {
  const neurons = topExperts(scores, Math.min(HEATMAP_NEURONS, ff))
    .sort((a, b) => scores[b] - scores[a] || a - b);
  const shown = Math.min(rows, HEATMAP_TOKENS);
  const values = new Float32Array(shown * neurons.length);
  for (let t = 0; t < shown; t++) {
    let norm = 0;
    for (let j = 0; j < ff; j++) norm += z[t * ff + j] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    neurons.forEach((j, i) => (values[t * neurons.length + i] = z[t * ff + j] * scale));
  }
  return { layer, neurons, rows: shown, values: toBase64(new Uint8Array(values.buffer)) };
}
