/**
 * What a sample record keeps of each request it scored: the rendered context (or, when long,
 * its SHA-256, its length and its first and last characters) and the continuation or the stop
 * strings.
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
}

/**
 * The record of one request.
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
): RecordedRequest {
  if (context.length <= CONTEXT_KEPT_WHOLE) return { context, ...rest };
  return {
    contextSha256: createHash("sha256").update(context, "utf8").digest("hex"),
    contextChars: context.length,
    contextHead: context.slice(0, CONTEXT_ENDS),
    contextTail: context.slice(-CONTEXT_ENDS),
    ...rest,
  };
}
