/**
 * Generation with GRIFFIN: the prompt phase (full FF, expert selection), then the generation
 * phase token by token through the experts, with stop tokens and stop strings, each phase timed.
 *
 * @module
 */
import type { NativeSession } from "../ffi/session.ts";
import type { TextTokenizer } from "../models/tokenizer.ts";
import { Generation } from "./generation.ts";
import type { GenerateRequest, GenerateResult } from "./types.ts";

export { firstStop, timingsOf } from "./generation.ts";

/**
 * Runs one generation request on a session. A greedy request takes each token from the engine's
 * argmax (from a GPU only the token crosses) unless `deviceGreedy` is false; the tokens are the same.
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
  deviceGreedy = true,
): GenerateResult {
  const generation = new Generation(session, tokenizer, request);
  const greedy = deviceGreedy ? generation.feedGreedy : undefined;
  for (let token = generation.next(); token !== undefined; token = generation.next()) {
    const start = performance.now();
    if (greedy) {
      const next = session.decodeGreedy(token);
      greedy(next, performance.now() - start);
    } else {
      const logits = session.decode(token);
      generation.feed(logits, performance.now() - start);
    }
  }
  return generation.result();
}
