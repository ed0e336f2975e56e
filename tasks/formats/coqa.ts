/**
 * CoQA in its public JSON (`coqa-dev-v1.0.json`: `{"data": [{story, questions, answers,
 * additional_answers}]}`, turns as lists of `{input_text}`; the Hugging Face layout with
 * `{input_text: [...]}` columns is read too). As lm-evaluation-harness: one sample per story,
 * the last turn asked; the prompt is `{story}\n\n` then `Q: {q}\n\nA: {a}\n\n` for earlier
 * turns and `Q: {last}\n\nA:`; gold answers are the last turn's answer plus the additional
 * answers that differ from it case-insensitively. Few-shot examples are whole solved prompts
 * (`prompt + " " + answer`) followed by a blank line.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";

/** One CoQA sample. */
export interface CoqaDoc {
  /** Story id (or row number). */
  id: string;
  /** The prompt, ending with `A:`. */
  prompt: string;
  /** Gold answers of the last turn, first the main one. */
  golds: string[];
}

function texts(value: unknown, what: string, path: string, i: number): string[] {
  if (Array.isArray(value)) {
    return value.map((t) =>
      typeof t === "string" ? t : String((t as { input_text?: unknown })?.input_text)
    );
  }
  const column = (value as { input_text?: unknown } | undefined)?.input_text;
  if (Array.isArray(column)) return column.map(String);
  throw new Error(`${path}: story ${i + 1} needs "${what}" as a list of turns with "input_text".`);
}

/**
 * Loads CoQA's JSON.
 *
 * @example
 * ```ts
 * import { loadCoqa } from "./coqa.ts";
 * // const docs = await loadCoqa("coqa-dev-v1.0.json", { shots: 0, seed: 1234 });
 * ```
 */
export async function loadCoqa(
  path: string,
  o: { shots: number; seed: number },
): Promise<CoqaDoc[]> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (cause) {
    throw new Error(`${path}: not valid JSON (${(cause as Error).message}).`, { cause });
  }
  const data = Array.isArray(json) ? json : (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) {
    throw new Error(`${path}: expected {"data": [stories]} as CoQA publishes it.`);
  }
  const docs = data.map((story: Record<string, unknown>, i): CoqaDoc => {
    if (typeof story?.story !== "string") {
      throw new Error(`${path}: story ${i + 1} has no "story" text.`);
    }
    const questions = texts(story.questions, "questions", path, i);
    const answers = texts(story.answers, "answers", path, i);
    if (questions.length === 0 || answers.length < questions.length) {
      throw new Error(
        `${path}: story ${i + 1} needs an answer for each of its ${questions.length} questions.`,
      );
    }
    const last = questions.length - 1;
    let prompt = story.story + "\n\n";
    for (let t = 0; t < last; t++) prompt += `Q: ${questions[t]}\n\nA: ${answers[t]}\n\n`;
    prompt += `Q: ${questions[last]}\n\nA:`;
    const golds = [answers[last]];
    const extra = story.additional_answers as Record<string, unknown> | undefined;
    for (const key of Object.keys(extra ?? {})) {
      const alt = texts(extra![key], `additional_answers.${key}`, path, i)[last];
      if (alt !== undefined && !golds.some((g) => g.toLowerCase() === alt.toLowerCase())) {
        golds.push(alt);
      }
    }
    return { id: typeof story.id === "string" ? story.id : String(i), prompt, golds };
  });
  return docs.map((d, i) => ({
    ...d,
    prompt: fewShotPrefix(docs, i, o.shots, o.seed, (x) => `${x.prompt} ${x.golds[0]}`, "\n\n") +
      d.prompt,
  }));
}
