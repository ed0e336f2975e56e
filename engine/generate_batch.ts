/**
 * Many generation requests at once: each request's prompt phase on a session of its own (its own
 * experts), then the generation phases of all of them advanced together, one engine call a step
 * (gf_decode_batch), each sequence through its own experts and with its own seeded sampler.
 * Sequences finish independently; a request's result is what `generate` gives it alone.
 *
 * @module
 */
import { NativeSession } from "../ffi/session.ts";
import type { TextTokenizer } from "../models/tokenizer.ts";
import { layerDensities } from "./densities.ts";
import { sessionExperts } from "./experts.ts";
import { checkGenerateRequest, firstStop, timingsOf } from "./generate.ts";
import { Sampler } from "./sampler.ts";
import type { GenerateRequest, GenerateResult, StopReason } from "./types.ts";

/** One request's generation, a step at a time (the loop of `generate`, turned inside out). */
class Generation {
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
    const token = this.#sampler.next(this.#logits);
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

/**
 * Generates every request, `sessions.length` at a time; results in the requests' order.
 *
 * @example
 * ```ts ignore
 * const results = generateBatch(sessions, tokenizer, requests);
 * ```
 */
export function generateBatch(
  sessions: NativeSession[],
  tokenizer: TextTokenizer,
  requests: GenerateRequest[],
): GenerateResult[] {
  const results: GenerateResult[] = [];
  for (let first = 0; first < requests.length; first += sessions.length) {
    const group = requests.slice(first, first + sessions.length);
    const running = group.map((r, b) => new Generation(sessions[b], tokenizer, r));
    let active = running.map((g, b) => ({ g, session: sessions[b] }));
    while (active.length > 0) {
      const step: { g: Generation; session: NativeSession; token: number }[] = [];
      for (const a of active) {
        const token = a.g.next();
        if (token !== undefined) step.push({ ...a, token });
      }
      if (step.length === 0) break;
      const started = performance.now();
      const logits = NativeSession.decodeBatch(
        step.map((s) => s.session),
        step.map((s) => s.token),
      );
      const ms = performance.now() - started;
      const vocab = logits.length / step.length;
      step.forEach((s, b) => s.g.feed(logits.subarray(b * vocab, (b + 1) * vocab), ms));
      active = step.map(({ g, session }) => ({ g, session }));
    }
    results.push(...running.map((g) => g.result()));
  }
  return results;
}
