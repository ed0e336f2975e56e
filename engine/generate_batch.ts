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
import { Generation } from "./generation.ts";
import type { GenerateRequest, GenerateResult } from "./types.ts";

/**
 * Generates every request on at most `sessions.length` sessions at once; results in the
 * requests' order. Continuous batching: when a sequence finishes, its session takes the next
 * waiting request (its prompt phase), which joins the following step.
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
  const results: GenerateResult[] = new Array(requests.length);
  let waiting = 0; // the next request without a session
  const start = (session: NativeSession) => {
    const index = waiting++;
    return { g: new Generation(session, tokenizer, requests[index]), session, index };
  };
  let active = sessions.slice(0, requests.length).map(start);
  while (active.length > 0) {
    const step: { g: Generation; session: NativeSession; index: number; token: number }[] = [];
    for (const running of active) {
      let a = running, token = a.g.next();
      while (token === undefined) { // finished: its session takes the next request, if any
        results[a.index] = a.g.result();
        if (waiting >= requests.length) break;
        a = start(a.session);
        token = a.g.next();
      }
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
    active = step.map(({ g, session, index }) => ({ g, session, index }));
  }
  return results;
}
