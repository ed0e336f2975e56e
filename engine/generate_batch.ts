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
