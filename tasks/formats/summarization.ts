/**
 * Summarisation data. Two formats, told apart by the first row:
 * - the paper's JSONL (`article` is the whole prompt, examples and instruction included;
 *   `summary_gt` the reference), used as is;
 * - the plain form (`article`, `highlights`, as CNN/DailyMail is published): the prompt is
 *   built in the paper's layout, `###\nArticle: {article}\n\nSummarize the above article in
 *   {n} sentences.\n`, after `shots` examples that each end with `{highlights}\n\n`.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";
import { field, readJsonl } from "../jsonl.ts";

/** One summarisation sample. */
export interface SummaryDoc {
  /** Row number in the file. */
  id: string;
  /** The whole prompt. */
  prompt: string;
  /** The reference summary. */
  reference: string;
}

/** How plain rows become prompts. */
export interface SummaryFormatOptions {
  /** Examples per prompt (plain form only). */
  shots: number;
  /** Seed of the example draw. */
  seed: number;
  /** The instruction's sentence count (3 for CNN/DailyMail, 1 for XSum). */
  sentences: number;
}

function instruction(article: string, sentences: number): string {
  return `###\nArticle: ${article}\n\nSummarize the above article in ${sentences} sentences.\n`;
}

/**
 * Loads a summarisation file in either format.
 *
 * @example
 * ```ts
 * import { loadSummaries } from "./summarization.ts";
 * // const docs = await loadSummaries("xsum_1shot.jsonl", { shots: 0, seed: 1234, sentences: 1 });
 * ```
 */
export async function loadSummaries(path: string, o: SummaryFormatOptions): Promise<SummaryDoc[]> {
  const rows = await readJsonl(path);
  if (rows.length === 0) throw new Error(`${path}: no rows.`);
  if ("summary_gt" in rows[0]) {
    if (o.shots > 0) {
      throw new Error(
        `Option "shots" does not apply to ${path}: its prompts (paper format) already carry their examples; choose the file with the shots you want.`,
      );
    }
    return rows.map((row, i) => ({
      id: String(i),
      prompt: field(row, "article", "string", path, i),
      reference: field(row, "summary_gt", "string", path, i),
    }));
  }
  if ("highlights" in rows[0]) {
    const plain = rows.map((row, i) => ({
      article: field(row, "article", "string", path, i),
      highlights: field(row, "highlights", "string", path, i),
    }));
    return plain.map((row, i) => ({
      id: String(i),
      prompt: fewShotPrefix(plain, i, o.shots, o.seed, (r) =>
        instruction(r.article, o.sentences) + r.highlights, "\n\n") +
        instruction(row.article, o.sentences),
      reference: row.highlights,
    }));
  }
  throw new Error(
    `${path}: row 1 has neither "summary_gt" (paper format) nor "highlights" (plain form) beside "article".`,
  );
}
