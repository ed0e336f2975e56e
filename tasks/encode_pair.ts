/**
 * Tokenises a context and its continuation as lm-evaluation-harness does: trailing whitespace
 * of the context moves to the front of the continuation; the continuation's ids are those of
 * `context + continuation` after the context's own ids. An empty context becomes the EOS id
 * (lm-evaluation-harness's end-of-text token; BOS when the tokenizer has no EOS).
 *
 * @module
 */

import type { LanguageModel } from "../engine/types.ts";

/** Token ids of a context and its continuation. */
export interface EncodedPair {
  /** Context ids (never empty). */
  contextIds: number[];
  /** Continuation ids. */
  continuationIds: number[];
}

/**
 * Encodes a (context, continuation) pair for log-likelihood scoring.
 *
 * @example
 * ```ts
 * import { encodePair } from "./encode_pair.ts";
 * import { fakeModel } from "./testing/fake_model.ts";
 * encodePair(fakeModel(), "Answer: ", "yes"); // continuation is " yes"
 * ```
 */
export function encodePair(
  model: LanguageModel,
  context: string,
  continuation: string,
): EncodedPair {
  const trimmed = context.replace(/\s+$/u, "");
  const moved = context.slice(trimmed.length) + continuation;
  let contextIds = model.encode(trimmed);
  const whole = model.encode(trimmed + moved);
  const continuationIds = whole.slice(contextIds.length);
  if (contextIds.length === 0) {
    // lm-evaluation-harness v0.3 scores an empty context after the end-of-text token.
    const bos = model.encode("", { addBos: true });
    contextIds = model.eosTokenId !== undefined ? [model.eosTokenId] : bos;
    if (contextIds.length === 0) {
      throw new Error("Empty context and no EOS or BOS token to stand in.");
    }
  }
  return { contextIds, continuationIds };
}

/**
 * The pair as the model reads it: lm-evaluation-harness feeds
 * `(context_ids + continuation_ids)[-(maxPositions + 1):][:-1]`, so a pair too long for the
 * model loses context tokens from the left. Undefined when the continuation is empty or alone
 * longer than the model's positions (the harness refuses both).
 *
 * @example
 * ```ts
 * import { fitToModel } from "./encode_pair.ts";
 * fitToModel({ contextIds: [1, 2, 3, 4], continuationIds: [5, 6] }, 4);
 * // { contextIds: [3, 4], continuationIds: [5, 6] }: the model reads 3 4 5
 * ```
 */
export function fitToModel(pair: EncodedPair, maxPositions: number): EncodedPair | undefined {
  const { contextIds, continuationIds } = pair;
  if (continuationIds.length === 0 || continuationIds.length > maxPositions) return undefined;
  const keep = maxPositions + 1 - continuationIds.length;
  return contextIds.length <= keep
    ? pair
    : { contextIds: contextIds.slice(-keep), continuationIds };
}
