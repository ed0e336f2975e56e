/**
 * CoQA rendered as the paper's lm-evaluation-harness v0.3 renders it, from either of the
 * dataset's forms: `EleutherAI/coqa` JSON Lines (one story a row, `questions`/`answers` as
 * columns `{input_text: [...]}`, `additional_answers: {"0": {input_text: [...]}, …}`) or CoQA's
 * published JSON (`{"data": [stories]}`, turns as lists of `{input_text}`).
 *
 * One sample per story, its last turn asked: the context is `story + "\n\n"`, then
 * `"Q: {q}\n\nA: {a}\n\n"` for each earlier turn, then `"Q: {last q}\n\nA:"`. Golds are the
 * last turn's answer plus each additional answer of that turn that differs, case-insensitively,
 * from those already kept. Few-shot examples are other stories' contexts followed by
 * `" " + their last answer`, joined and followed by a blank line.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";
import { rowFieldError, type RowPlace, TaskInputError } from "../task_input_error.ts";
import { PAPER_RENDERING } from "./multiple_choice.ts";
import { rowField } from "./row_fields.ts";

/** One CoQA sample. */
export interface CoqaDoc {
  /** 0-based row (story) number in the file. */
  id: string;
  /** The prompt, few-shot examples included, ending with `A:`. */
  prompt: string;
  /** Gold answers of the last turn, first the main one. */
  golds: string[];
}

/** The stories of a file and the rendering they got. */
export interface LoadedCoqa {
  /** The rendering, in words. */
  rendering: string;
  /** One document per story. */
  docs: CoqaDoc[];
}

/** The `input_text` of each turn: a column `{input_text: [...]}` or a list of `{input_text}`. */
function turns(row: Record<string, unknown>, name: string, where: RowPlace): string[] {
  const value = row[name];
  if (Array.isArray(value)) {
    return value.map((turn, t) => {
      const text = (turn as { input_text?: unknown } | null)?.input_text;
      if (typeof text !== "string") {
        throw rowFieldError(where, `${name}[${t}].input_text`, "must be a string");
      }
      return text;
    });
  }
  return rowField(row, `${name}.input_text`, "strings", where);
}

function readStories(text: string, o: { task: string }, path: string): Record<string, unknown>[] {
  try {
    const json = JSON.parse(text);
    const data = Array.isArray(json) ? json : json?.data;
    if (Array.isArray(data)) return data;
    if (json?.story === undefined) {
      throw new TaskInputError(
        `task "${o.task}", file ${path}: expected {"data": [stories]} or one story per line.`,
      );
    }
  } catch (error) {
    if (error instanceof TaskInputError) throw error;
  }
  return text.split("\n").filter((line) => line.trim() !== "").map((line, i) => {
    try {
      const row = JSON.parse(line);
      if (row !== null && typeof row === "object" && !Array.isArray(row)) return row;
    } catch {
      // reported below
    }
    throw new TaskInputError(`task "${o.task}", file ${path}, row ${i}: not a JSON object.`);
  });
}

function render(row: Record<string, unknown>, where: RowPlace) {
  const story = rowField(row, "story", "string", where);
  const questions = turns(row, "questions", where);
  const answers = turns(row, "answers", where);
  if (questions.length === 0 || answers.length !== questions.length) {
    throw rowFieldError(
      where,
      "answers",
      `has ${answers.length} turns for ${questions.length} questions (needs one each, at least one)`,
    );
  }
  const last = questions.length - 1;
  let text = story + "\n\n";
  for (let t = 0; t < last; t++) text += `Q: ${questions[t]}\n\nA: ${answers[t]}\n\n`;
  text += `Q: ${questions[last]}\n\nA:`;
  const golds = [answers[last]];
  const extra = row.additional_answers;
  if (extra !== null && typeof extra === "object" && !Array.isArray(extra)) {
    for (const key of Object.keys(extra)) {
      const alt = turns(extra as Record<string, unknown>, key, where)[last];
      if (alt !== undefined && !golds.some((g) => g.toLowerCase() === alt.toLowerCase())) {
        golds.push(alt);
      }
    }
  }
  return { text, target: " " + answers[last], golds };
}

/**
 * Loads CoQA and renders it.
 *
 * @example
 * ```ts
 * import { loadCoqa } from "./coqa.ts";
 * // const { docs } = await loadCoqa("coqa_validation.jsonl", { task: "coqa", shots: 0, seed: 1234 });
 * ```
 */
export async function loadCoqa(
  path: string,
  o: { task: string; shots: number; seed: number },
): Promise<LoadedCoqa> {
  const stories = readStories(await Deno.readTextFile(path), o, path);
  const rendered = stories.map((row, i) => render(row, { task: o.task, path, row: i }));
  const docs = rendered.map((d, i): CoqaDoc => ({
    id: String(i),
    prompt: fewShotPrefix(rendered, i, o.shots, o.seed, (x) => x.text + x.target, "\n\n") +
      d.text,
    golds: d.golds,
  }));
  return { rendering: PAPER_RENDERING, docs };
}
