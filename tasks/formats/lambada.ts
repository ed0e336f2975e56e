/**
 * LAMBADA as `context`/`continuation` JSONL (llm-foundry's `lambada_openai.jsonl`): the last
 * word is scored after the context; a space is put between them when neither side has one,
 * as lm-evaluation-harness scores `" " + word`. Few-shot examples are whole passages joined by
 * a blank line.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";
import { field, readJsonl } from "../jsonl.ts";

/** One LAMBADA passage. */
export interface LambadaDoc {
  /** Row number. */
  id: string;
  /** The passage without its last word. */
  context: string;
  /** The last word, with the space before it. */
  continuation: string;
}

/**
 * Loads LAMBADA JSONL.
 *
 * @example
 * ```ts
 * import { loadLambada } from "./lambada.ts";
 * // const docs = await loadLambada("lambada_openai.jsonl", { shots: 0, seed: 1234 });
 * ```
 */
export async function loadLambada(
  path: string,
  o: { shots: number; seed: number },
): Promise<LambadaDoc[]> {
  const rows = (await readJsonl(path)).map((row, i) => {
    const context = field(row, "context", "string", path, i);
    const word = field(row, "continuation", "string", path, i);
    const space = /\s$/u.test(context) || /^\s/u.test(word) ? "" : " ";
    return { context, continuation: space + word };
  });
  return rows.map((r, i) => ({
    id: String(i),
    context: fewShotPrefix(rows, i, o.shots, o.seed, (x) => x.context + x.continuation, "\n\n") +
      r.context,
    continuation: r.continuation,
  }));
}
