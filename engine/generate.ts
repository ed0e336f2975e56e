/**
 * Generation with GRIFFIN: the prompt phase (full FF, expert selection), then the generation
 * phase token by token through the experts, with stop tokens and stop strings, each phase timed.
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

/**
 * Runs one generation request on a session.
 *
 * @example
 * ```ts ignore
 * const result = generate(session, tokenizer, {
 *   promptIds: [1, 403, 407, 261, 378], maxNewTokens: 32, sampling: GREEDY,
 *   griffin: { density: 0.5, method: "topk", seed: 0 },
 * });
 * ```
 */
export function generate(
  session: NativeSession,
  tokenizer: TextTokenizer,
  request: GenerateRequest,
): GenerateResult {
  checkGenerateRequest(session, request);
  const { promptIds, maxNewTokens, griffin } = request;
  const sampler = new Sampler(request.sampling);
  const stopIds = new Set(
    request.stopTokenIds ?? (tokenizer.eosTokenId === undefined ? [] : [tokenizer.eosTokenId]),
  );
  const stopStrings = (request.stopStrings ?? []).filter((s) => s.length > 0);

  session.reset();
  session.setGriffin(
    layerDensities(griffin.density, session.model.config.layers),
    griffin.method,
    griffin.seed,
  );
  let logits = session.prompt(new Int32Array(promptIds));
  const { promptMs, selectionMs } = session.timings();
  const experts = sessionExperts(session);

  const outputIds: number[] = [];
  const tokenMs: number[] = [];
  let stopReason: StopReason = "max_new_tokens";
  let text = "";
  while (outputIds.length < maxNewTokens) {
    const token = sampler.next(logits);
    outputIds.push(token);
    if (stopIds.has(token)) {
      stopReason = "stop_token";
      break;
    }
    if (stopStrings.length) {
      const decoded = tokenizer.decode(outputIds);
      const cut = firstStop(decoded, stopStrings);
      if (cut >= 0) {
        text = decoded.slice(0, cut);
        stopReason = "stop_string";
        break;
      }
    }
    if (outputIds.length === maxNewTokens) break;
    if (session.position >= session.maxPositions) {
      stopReason = "context_full";
      break;
    }
    const start = performance.now();
    logits = session.decode(token);
    tokenMs.push(performance.now() - start);
  }
  if (stopReason !== "stop_string") {
    const kept = stopReason === "stop_token" ? outputIds.slice(0, -1) : outputIds;
    text = tokenizer.decode(kept);
  }
  return {
    promptIds,
    outputIds,
    text,
    stopReason,
    experts,
    timings: timingsOf(promptMs, selectionMs, tokenMs),
  };
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
