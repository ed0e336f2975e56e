/**
 * Opens a model — a Hugging Face folder or `synthetic:NAME` — as a LanguageModel: weights in the
 * engine, a tokenizer, and one session for generation and scoring.
 *
 * @module
 */
import type { DType } from "../ffi/config.ts";
import { parameterCount } from "../ffi/config.ts";
import type { NativeModel } from "../ffi/model.ts";
import { NativeSession } from "../ffi/session.ts";
import { isHubModelId } from "../models/hub/hub_id.ts";
import { resolveHubModel } from "../models/hub/hub_model.ts";
import { loadModelFolder } from "../models/load.ts";
import { createSyntheticModel } from "../models/synthetic.ts";
import {
  addsBosByDefault,
  byteTokenizer,
  loadTokenizer,
  type TextTokenizer,
} from "../models/tokenizer.ts";
import { EngineError, Status } from "../ffi/errors.ts";
import { generateBatch } from "./generate_batch.ts";
import { type BatchLimits, scoreBatch } from "./score_batch.ts";
import { deviceName, parseDevice } from "./device.ts";
import { generate } from "./generate.ts";
import { score } from "./score.ts";
import type {
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  ModelInfo,
  ScoreRequest,
  ScoreResult,
} from "./types.ts";

/** How to open a model. */
export interface OpenOptions {
  /** `cpu`, `cuda:N` or `auto` (default). */
  device?: string;
  /** Keep the weights in this dtype (default: F32 on the CPU, the checkpoint's on a GPU;
   * synthetic: the shape's). */
  dtype?: DType;
  /** Longest sequence a request may use (default: the model's, at most 4096). */
  contextLength?: number;
  /** Seed of synthetic weights (default 0). */
  seed?: number;
  /** Override the paper's special-token policy: add BOS to encoded text or not. */
  addBos?: boolean;
  /** How many requests one engine call takes in scoreMany (default: see BatchLimits). */
  batch?: BatchLimits;
}

/** A model open in the engine; `close()` frees it and is safe to call twice. */
export class EngineModel implements LanguageModel {
  /** Facts about the model. */
  readonly info: ModelInfo;
  /** The native weights. */
  readonly native: NativeModel;
  /** The session every request runs on. */
  readonly session: NativeSession;
  readonly #tokenizer: TextTokenizer;
  readonly #addBos: boolean;
  readonly #batch: BatchLimits;
  readonly #pool: NativeSession[] = []; /* sessions of batched decoding, made when needed */

  /** Wraps an engine model (use openModel). */
  constructor(
    id: string,
    architecture: string,
    native: NativeModel,
    tokenizer: TextTokenizer,
    options: OpenOptions,
    hub?: ModelInfo["hub"],
  ) {
    const c = native.config;
    const contextLength = Math.min(
      options.contextLength ?? Math.min(c.maxPositions, 4096),
      c.maxPositions,
    );
    this.native = native;
    this.session = new NativeSession(native, contextLength);
    this.#tokenizer = tokenizer;
    this.#addBos = options.addBos ?? addsBosByDefault(architecture);
    this.#batch = options.batch ?? {};
    this.info = {
      id,
      architecture,
      layers: c.layers,
      hiddenSize: c.hiddenSize,
      ffSize: c.ffSize,
      vocabSize: c.vocabSize,
      maxPositions: contextLength,
      parameters: parameterCount(c),
      dtype: c.dtype,
      device: deviceName(native.device),
      ...(hub ? { hub } : {}),
    };
  }

  /** The end-of-sequence id, if the tokenizer has one. */
  get eosTokenId(): number | undefined {
    return this.#tokenizer.eosTokenId;
  }

  /** Text to ids with the architecture's special-token policy, or `addBos` when given. */
  encode(text: string, options: { addBos?: boolean } = {}): number[] {
    return this.#tokenizer.encode(text, options.addBos ?? this.#addBos);
  }

  /** Ids to text, special tokens dropped. */
  decode(ids: number[]): string {
    return this.#tokenizer.decode(ids);
  }

  /**
   * Generates from a prompt; greedy requests take each token from the engine's argmax unless
   * `deviceGreedy` is false (the same tokens; for comparing the two).
   */
  generate(request: GenerateRequest, options: { deviceGreedy?: boolean } = {}): GenerateResult {
    return generate(this.session, this.#tokenizer, request, options.deviceGreedy ?? true);
  }

  /** Log-likelihood of a continuation given a context. */
  score(request: ScoreRequest): ScoreResult {
    return score(this.session, request);
  }

  /**
   * Many generation requests, decoded together on sessions of their own (see generateBatch);
   * `batch.maxSequences` of them at a time (default 16, fewer when the device holds fewer sessions;
   * 1: one at a time on the main session). `deviceGreedy: false` brings greedy requests' logits to
   * the host as other requests' (the same tokens; for comparing the two).
   */
  generateMany(
    requests: GenerateRequest[],
    options: { deviceGreedy?: boolean } = {},
  ): GenerateResult[] {
    const width = Math.min(this.#batch.maxSequences ?? 16, requests.length);
    const sessions = width > 1 ? this.#sessions(width) : [];
    if (sessions.length <= 1) return requests.map((r) => this.generate(r));
    return generateBatch(sessions, this.#tokenizer, requests, options.deviceGreedy ?? true);
  }

  /**
   * Up to `count` sessions for decoding together, besides the main one: as many as the device's
   * memory holds, made when first needed and kept.
   */
  #sessions(count: number): NativeSession[] {
    while (this.#pool.length < count) {
      try {
        this.#pool.push(new NativeSession(this.native, this.session.maxPositions));
      } catch (error) {
        if (!(error instanceof EngineError && error.status === Status.outOfMemory)) throw error;
        return this.#pool.slice();
      }
    }
    return this.#pool.slice(0, count);
  }

  /** Whether generation tasks decode their samples together (`batch.generation`). */
  get generatesTogether(): boolean {
    return this.#batch.generation === true;
  }

  /**
   * Many requests, the class-mode ones in packed batches, the gen-mode ones decoded together on
   * the sessions of batched generation (see scoreBatch).
   */
  scoreMany(requests: ScoreRequest[]): ScoreResult[] {
    return scoreBatch(this.session, requests, this.#batch, (count) => this.#sessions(count));
  }

  /** Frees the session and the weights; a second call does nothing. */
  close(): void {
    this.#pool.forEach((s) => s.close());
    this.session.close();
    this.native.close();
  }
}

/**
 * Opens a Hugging Face model folder, a Hub id (`ORG/NAME[@REVISION]`, resolved in the
 * huggingface_hub cache and downloaded where missing; see models/hub/) or `synthetic:NAME`.
 *
 * @example
 * ```ts ignore
 * const model = await openModel("../shared/data/models/stories260K/hf");
 * const ids = model.encode("Once upon a time", { addBos: true });
 * model.close();
 * ```
 */
export async function openModel(id: string, options: OpenOptions = {}): Promise<EngineModel> {
  if (isHubModelId(id)) {
    const hub = await resolveHubModel(id);
    return openFolder(id, hub.folder, options, {
      repo: hub.repo,
      revision: hub.revision,
      commit: hub.commit,
    });
  }
  return openFolder(id, id, options);
}

function openFolder(
  id: string,
  folder: string,
  options: OpenOptions,
  hub?: ModelInfo["hub"],
): Promise<EngineModel> {
  const device = parseDevice(options.device ?? "auto");
  if (id.startsWith("synthetic:")) {
    const native = createSyntheticModel(id.slice("synthetic:".length), {
      device,
      seed: options.seed ?? 0,
      dtype: options.dtype,
    });
    return Promise.resolve(new EngineModel(id, "llama", native, byteTokenizer, options));
  }
  const { config, model } = loadModelFolder(folder, { device, dtype: options.dtype });
  try {
    const tokenizer = loadTokenizer(folder, {
      bos: config.bosTokenId,
      eos: config.eosTokenIds[0],
    });
    return Promise.resolve(
      new EngineModel(id, config.architecture, model, tokenizer, options, hub),
    );
  } catch (error) {
    model.close();
    throw error;
  }
}
