/**
 * GSM8K as llm-foundry's JSONL (`context` = question, `chain_of_thought`, `answer`). The prompt
 * follows lm-evaluation-harness's `gsm8k`: `Question: {question}\nAnswer:`; examples are
 * `Question: {q}\nAnswer: {chain_of_thought}\n#### {answer}` joined by a blank line, the
 * layout of the original data, so an answer ends with `#### number`.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";
import { field, readJsonl } from "../jsonl.ts";

/** One GSM8K problem. */
export interface Gsm8kDoc {
  /** Row number. */
  id: string;
  /** The prompt ending with `Answer:`. */
  prompt: string;
  /** The final number. */
  answer: string;
  /** The solved continuation (` {chain_of_thought}\n#### {answer}`), for teacher forcing. */
  solution: string;
}

/**
 * Loads GSM8K JSONL.
 *
 * @example
 * ```ts
 * import { loadGsm8k } from "./gsm8k.ts";
 * // const docs = await loadGsm8k("gsm8k.jsonl", { shots: 0, seed: 1234 });
 * ```
 */
export async function loadGsm8k(
  path: string,
  o: { shots: number; seed: number },
): Promise<Gsm8kDoc[]> {
  const rows = (await readJsonl(path)).map((row, i) => ({
    question: field(row, "context", "string", path, i),
    cot: field(row, "chain_of_thought", "string", path, i),
    answer: String(row.answer ?? field(row, "answer", "string", path, i)),
  }));
  const ask = (q: string) => `Question: ${q}\nAnswer:`;
  const solve = (r: typeof rows[number]) => ` ${r.cot}\n#### ${r.answer}`;
  return rows.map((r, i) => ({
    id: String(i),
    prompt: fewShotPrefix(rows, i, o.shots, o.seed, (x) => ask(x.question) + solve(x), "\n\n") +
      ask(r.question),
    answer: r.answer,
    solution: solve(r),
  }));
}
