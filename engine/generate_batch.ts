/**
 * Many generation requests at once: each request's prompt phase on a session of its own (its own
 * experts), then the generation phases of all of them advanced together, one engine call a step
 * (gf_decode_batch), each sequence through its own experts and with its own seeded sampler.
 * Sequences finish independently; a request's result is what `generate` gives it alone.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import type { TextTokenizer } from "../models/tokenizer.ts";
import { decodeTogether } from "./decode_together.ts";
import { Generation } from "./generation.ts";
import type { GenerateRequest, GenerateResult } from "./types.ts";

/**
 * Generates every request on at most `sessions.length` sessions at once; results in the
 * requests' order. Continuous batching: when a sequence finishes, its session takes the next
 * waiting request (its prompt phase), which joins the following step. Each token's time is its
 * whole step's. Greedy requests take their tokens from the device (gf_decode_batch_greedy) unless
 * `deviceGreedy` is false; the tokens are the same either way.
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
  deviceGreedy = true,
): GenerateResult[] {
  return decodeTogether(
    sessions,
    requests.length,
    (session, i) => new Generation(session, tokenizer, requests[i]),
    deviceGreedy,
  );
}
