/**
 * One generation request a step at a time: its checks, its prompt phase on a session, then each
 * next token drawn from the last logits (stop tokens, stop strings, the token limit, a full
 * context) and the logits of the token decoded fed back. `generate` drives one on its session;
 * `generateBatch` drives many, decoding their tokens together.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import type { TextTokenizer } from "../models/tokenizer.ts";
import { layerDensities } from "./densities.ts";
import { sessionExperts } from "./experts.ts";
import { Sampler } from "./sampler.ts";
import type { GenerateRequest, GenerateResult, StopReason, Timings } from "./types.ts";

/** Summarises per-token times. */
export function timingsOf(promptMs: number, selectionMs: number, tokenMs: number[]): Timings {
  const total = tokenMs.reduce((s, t) => s + t, 0);
  return {
    promptMs,
    selectionMs,
    tokenMs,
    decodeMsPerToken: tokenMs.length ? total / tokenMs.length : 0,
    tokensPerSecond: total > 0 ? tokenMs.length / (total / 1000) : 0,
  };
}

/** One request's generation, a step at a time. */
export class Generation {
  readonly #session: NativeSession;
  readonly #tokenizer: TextTokenizer;
  readonly #request: GenerateRequest;
  readonly #sampler: Sampler;
  readonly #stopIds: Set<number>;
  readonly #stopStrings: string[];
  readonly #promptMs: number;
  readonly #selectionMs: number;
  readonly #experts: GenerateResult["experts"];
  #logits: Float32Array;
  #greedyToken: number | undefined; // the device's argmax of the last step (feedGreedy)
  #outputIds: number[] = [];
  #tokenMs: number[] = [];
  #stopReason: StopReason = "max_new_tokens";
  #text = "";

  /** Checks the request and runs its prompt phase on the session. */
  constructor(session: NativeSession, tokenizer: TextTokenizer, request: GenerateRequest) {
    checkGenerateRequest(session, request);
    const { promptIds, griffin } = request;
    this.#session = session;
    this.#tokenizer = tokenizer;
    this.#request = request;
    this.#sampler = new Sampler(request.sampling);
    if (request.sampling.greedy) {
      this.feedGreedy = (token, ms) => {
        this.#greedyToken = token;
        this.#tokenMs.push(ms);
      };
    }
    this.#stopIds = new Set(
      request.stopTokenIds ?? (tokenizer.eosTokenId === undefined ? [] : [tokenizer.eosTokenId]),
    );
    this.#stopStrings = (request.stopStrings ?? []).filter((s) => s.length > 0);
    session.reset();
    session.setGriffin(
      layerDensities(griffin.density, session.model.config.layers),
      griffin.method,
      griffin.seed,
    );
    this.#logits = session.prompt(new Int32Array(promptIds));
    ({ promptMs: this.#promptMs, selectionMs: this.#selectionMs } = session.timings());
    this.#experts = sessionExperts(session);
  }

  /** Draws the next token from the last logits: the token to decode, or undefined when done. */
  next(): number | undefined {
    if (this.#outputIds.length >= this.#request.maxNewTokens) return this.#finish();
    const token = this.#greedyToken ?? this.#sampler.next(this.#logits);
    this.#greedyToken = undefined;
    this.#outputIds.push(token);
    if (this.#stopIds.has(token)) return this.#finish("stop_token");
    if (this.#stopStrings.length) {
      const decoded = this.#tokenizer.decode(this.#outputIds);
      const cut = firstStop(decoded, this.#stopStrings);
      if (cut >= 0) {
        this.#text = decoded.slice(0, cut);
        return this.#finish("stop_string");
      }
    }
    if (this.#outputIds.length === this.#request.maxNewTokens) return this.#finish();
    if (this.#session.position >= this.#session.maxPositions) return this.#finish("context_full");
    return token;
  }

  /** The logits the decoded token gave, and how long the step took. */
  feed(logits: Float32Array, ms: number): void {
    this.#logits = logits;
    this.#tokenMs.push(ms);
  }

  /**
   * The token greedy decoding draws next (the argmax of the logits the decoded token gave,
   * computed by the engine), and how long the step took; present for greedy requests only.
   */
  readonly feedGreedy?: (token: number, ms: number) => void;

  #finish(reason?: StopReason): undefined {
    if (reason) this.#stopReason = reason;
    return undefined;
  }

  /** The outcome, as `generate` returns it. */
  result(): GenerateResult {
    const ids = this.#outputIds;
    const text = this.#stopReason === "stop_string"
      ? this.#text
      : this.#tokenizer.decode(this.#stopReason === "stop_token" ? ids.slice(0, -1) : ids);
    return {
      promptIds: this.#request.promptIds,
      outputIds: ids,
      text,
      stopReason: this.#stopReason,
      experts: this.#experts,
      timings: timingsOf(this.#promptMs, this.#selectionMs, this.#tokenMs),
    };
  }
}

/** Throws a RangeError naming what a request gets wrong for a session (empty prompt, …). */
export function checkGenerateRequest(session: NativeSession, request: GenerateRequest): void {
  const { promptIds, maxNewTokens } = request;
  if (promptIds.length === 0) throw new RangeError("the prompt is empty");
  if (!(Number.isInteger(maxNewTokens) && maxNewTokens >= 0)) {
    throw new RangeError(`maxNewTokens must be a whole number ≥ 0, got ${maxNewTokens}`);
  }
  if (promptIds.length > session.maxPositions) {
    throw new RangeError(
      `the prompt has ${promptIds.length} tokens but the model takes at most ${session.maxPositions}`,
    );
  }
}

/** The index where the first of the stop strings begins in text, or -1. */
export function firstStop(text: string, stopStrings: string[]): number {
  let cut = -1;
  for (const s of stopStrings) {
    const at = text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut;
}
