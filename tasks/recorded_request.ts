/**
 * What a sample record keeps of each request it scored: the rendered context (or, when long,
 * its SHA-256, its length and its first and last characters) and the continuation or the stop
 * strings; for a scored continuation, the model's answer too (its log-likelihood and whether it
 * is the greedy continuation, as lm-evaluation-harness logs each request's response), so that two
 * runs can be compared request by request (`deno task compare`).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Contexts up to this many characters (UTF-16 units) are kept whole. */
export const CONTEXT_KEPT_WHOLE = 2000;
/** Characters kept from each end of a longer context. */
export const CONTEXT_ENDS = 300;

/** One request of a sample, as its record keeps it. */
export interface RecordedRequest {
  /** The whole context, when at most {@link CONTEXT_KEPT_WHOLE} characters. */
  context?: string;
  /** SHA-256 (hex) of the context's UTF-8 bytes, when it is longer. */
  contextSha256?: string;
  /** The long context's length in characters (UTF-16 units). */
  contextChars?: number;
  /** Its first {@link CONTEXT_ENDS} characters. */
  contextHead?: string;
  /** Its last {@link CONTEXT_ENDS} characters. */
  contextTail?: string;
  /** The scored continuation (log-likelihood requests). */
  continuation?: string;
  /** Stop strings (generation requests). */
  until?: string[];
  /** The continuation's log-likelihood (natural log), as the model scored it. */
  loglikelihood?: number;
  /** Whether every continuation token was the arg-max of its distribution. */
  greedy?: boolean;
}

/** The model's answer to a scored request, as its record keeps it. */
export interface RequestAnswer {
  loglikelihood: number;
  greedy: boolean;
}

/**
 * The record of one request, with the model's answer when it scored a continuation.
 *
 * @example
 * ```ts
 * import { recordRequest } from "./recorded_request.ts";
 * recordRequest("Question: Why?\nAnswer:", { continuation: " yes" });
 * // { context: "Question: Why?\nAnswer:", continuation: " yes" }
 * ```
 */
export function recordRequest(
  context: string,
  rest: { continuation: string } | { until: string[] },
  answer?: RequestAnswer,
): RecordedRequest {
  const kept = context.length <= CONTEXT_KEPT_WHOLE ? { context } : {
    contextSha256: createHash("sha256").update(context, "utf8").digest("hex"),
    contextChars: context.length,
    contextHead: context.slice(0, CONTEXT_ENDS),
    contextTail: context.slice(-CONTEXT_ENDS),
  };
  return answer
    ? { ...kept, ...rest, loglikelihood: answer.loglikelihood, greedy: answer.greedy }
    : { ...kept, ...rest };
}
