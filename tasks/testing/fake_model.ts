/**
 * A small deterministic stand-in for the engine, so task logic is tested without native code.
 * Tokens are UTF-8 bytes (id = byte + 3; 1 = BOS, 2 = EOS). Logits are a hash of the last three
 * ids; GRIFFIN at density < 1 adds a hashed perturbation of size (1 − density) wherever the
 * real engine would use the experts: in `gen` mode every position after the prompt, in
 * `class` mode the last position only. A `script` makes generation return fixed text.
 *
 * @module
 */

import type {
  GenerateRequest,
  GenerateResult,
  GriffinOptions,
  LanguageModel,
  ScoreRequest,
  ScoreResult,
  Timings,
} from "../../engine/types.ts";
import { mixSeed, seededRandom } from "../random.ts";

/** Settings of the fake. */
export interface FakeModelOptions {
  /** Longest sequence (default 256). */
  maxPositions?: number;
  /** Whether encode adds BOS by default (default false, as Llama prompts in the paper). */
  addBos?: boolean;
  /** When it returns a string for a decoded prompt, generation emits exactly that, then EOS. */
  script?: (prompt: string) => string | undefined;
}

/** The fake model, with the requests it received. */
export interface FakeModel extends LanguageModel {
  /** Every generate request, in order. */
  readonly generateCalls: GenerateRequest[];
  /** Every score request, in order. */
  readonly scoreCalls: ScoreRequest[];
}

const VOCAB = 259, BOS = 1, EOS = 2;
const encoder = new TextEncoder(), decoder = new TextDecoder();

function density(griffin: GriffinOptions): number {
  const d = griffin.density;
  return Array.isArray(d) ? d.reduce((a, b) => a + b, 0) / d.length : d;
}

/** Log-softmax over the vocabulary after `history`; `perturb` marks an expert-using position. */
function logSoftmax(history: number[], perturb: number, griffin: GriffinOptions): Float32Array {
  const n = history.length;
  const context = mixSeed(history[n - 3] ?? 0, history[n - 2] ?? 0, history[n - 1] ?? 0);
  const logits = new Float64Array(VOCAB);
  for (let v = 0; v < VOCAB; v++) {
    const byte = v - 3;
    const common = (byte >= 97 && byte <= 122) || byte === 32 || byte === 46;
    logits[v] = 3 * seededRandom(mixSeed(context, v))() + (common ? 2.5 : 0) - (v < 3 ? 2 : 0);
    if (perturb > 0) {
      const salt = mixSeed(context, v, griffin.seed, 7);
      logits[v] += perturb * 4 * (seededRandom(salt)() - 0.5);
    }
  }
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let total = 0;
  for (const x of logits) total += Math.exp(x - max);
  const lse = max + Math.log(total);
  return Float32Array.from(logits, (x) => x - lse);
}

function pick(row: Float32Array, request: GenerateRequest, step: number): number {
  const s = request.sampling;
  let best = 0;
  for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
  if (s.greedy) return best;
  const order = [...row.keys()].sort((a, b) => row[b] - row[a]);
  const kept = order.slice(0, s.topK > 0 ? s.topK : order.length);
  const weights = kept.map((v) => Math.exp(row[v] / s.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let mass = 0, cut = kept.length;
  for (let i = 0; i < kept.length; i++) {
    mass += weights[i] / total;
    if (mass >= s.topP) {
      cut = i + 1;
      break;
    }
  }
  const sum = weights.slice(0, cut).reduce((a, b) => a + b, 0);
  let u = seededRandom(mixSeed(s.seed, step))() * sum;
  for (let i = 0; i < cut; i++) if ((u -= weights[i]) <= 0) return kept[i];
  return kept[cut - 1];
}

function timings(promptLength: number, tokens: number, griffin: GriffinOptions): Timings {
  const d = density(griffin);
  const tokenMs = Array.from({ length: tokens }, () => 0.1 * (0.5 + 0.5 * d));
  const decode = tokenMs.reduce((a, b) => a + b, 0);
  return {
    promptMs: 0.01 * promptLength,
    selectionMs: d < 1 ? 0.001 * promptLength : 0,
    tokenMs,
    decodeMsPerToken: tokens ? decode / tokens : 0,
    tokensPerSecond: tokens ? tokens / (decode / 1000) : 0,
  };
}

function experts(griffin: GriffinOptions): number[][] | null {
  return density(griffin) >= 1 ? null : [[0, 1, 2]];
}

/**
 * A fake `LanguageModel`.
 *
 * @example
 * ```ts
 * import { fakeModel } from "./fake_model.ts";
 * const model = fakeModel({ script: () => "A summary. ### more" });
 * model.decode(model.encode("héllo")); // "héllo"
 * ```
 */
export function fakeModel(options: FakeModelOptions = {}): FakeModel {
  const maxPositions = options.maxPositions ?? 256;
  const generateCalls: GenerateRequest[] = [], scoreCalls: ScoreRequest[] = [];
  const encode = (text: string, o?: { addBos?: boolean }) => {
    const ids = [...encoder.encode(text)].map((b) => b + 3);
    return (o?.addBos ?? options.addBos ?? false) ? [BOS, ...ids] : ids;
  };
  const decode = (ids: number[]) =>
    decoder.decode(Uint8Array.from(ids.filter((i) => i >= 3).map((i) => i - 3)));
  return {
    info: {
      id: "fake:bytes",
      architecture: "fake",
      layers: 1,
      hiddenSize: 8,
      ffSize: 6,
      vocabSize: VOCAB,
      maxPositions,
      parameters: 0,
      dtype: "f32",
      device: "cpu",
    },
    eosTokenId: EOS,
    encode,
    decode,
    generateCalls,
    scoreCalls,
    generate(request: GenerateRequest): GenerateResult {
      generateCalls.push(request);
      const { promptIds, griffin } = request;
      if (promptIds.length === 0) throw new Error("fake: empty prompt");
      if (promptIds.length > maxPositions) throw new Error("fake: prompt longer than the model");
      const scripted = options.script?.(decode(promptIds));
      const queue = scripted === undefined
        ? undefined
        : [...encode(scripted, { addBos: false }), EOS];
      const stopIds = request.stopTokenIds ?? [EOS];
      const out: number[] = [];
      let stopReason: GenerateResult["stopReason"] = "max_new_tokens";
      let text = "";
      while (out.length < request.maxNewTokens) {
        if (promptIds.length + out.length >= maxPositions) {
          stopReason = "context_full";
          break;
        }
        const history = [...promptIds, ...out];
        const id = queue ? queue[out.length] ?? EOS : pick(
          logSoftmax(history, out.length > 0 ? 1 - density(griffin) : 0, griffin),
          request,
          out.length,
        );
        out.push(id);
        text = decode(out);
        if (stopIds.includes(id)) {
          stopReason = "stop_token";
          break;
        }
        const hit = (request.stopStrings ?? []).map((s) => text.indexOf(s)).filter((i) => i >= 0);
        if (hit.length > 0) {
          text = text.slice(0, Math.min(...hit));
          stopReason = "stop_string";
          break;
        }
      }
      return {
        promptIds,
        outputIds: out,
        text,
        stopReason,
        experts: experts(griffin),
        timings: timings(promptIds.length, out.length, griffin),
      };
    },
    score(request: ScoreRequest): ScoreResult {
      scoreCalls.push(request);
      const { contextIds, continuationIds, mode, griffin } = request;
      if (contextIds.length === 0) throw new Error("fake: empty context");
      if (contextIds.length + continuationIds.length > maxPositions + 1) {
        throw new Error("fake: sequence longer than the model");
      }
      const d = density(griffin), logprobs: number[] = [], rows: Float32Array[] = [];
      let greedy = true;
      for (let i = 0; i < continuationIds.length; i++) {
        const usesExperts = mode === "gen" ? i > 0 : i === continuationIds.length - 1;
        const row = logSoftmax(
          [...contextIds, ...continuationIds.slice(0, i)],
          usesExperts ? 1 - d : 0,
          griffin,
        );
        const id = continuationIds[i];
        logprobs.push(row[id]);
        for (let v = 0; v < row.length; v++) if (row[v] > row[id]) greedy = false;
        rows.push(row);
      }
      return {
        loglikelihood: logprobs.reduce((a, b) => a + b, 0),
        logprobs,
        greedy,
        experts: experts(griffin),
        distributions: request.keepDistributions ? rows : undefined,
        timings: timings(contextIds.length, mode === "gen" ? continuationIds.length : 0, griffin),
      };
    },
    close() {},
  };
}
