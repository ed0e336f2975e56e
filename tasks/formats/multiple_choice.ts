/**
 * Multiple-choice data in three formats, told apart by the first row:
 * - llm-foundry's `query`/`choices`/`gold`: context = `query + delimiter`, continuation = the
 *   choice. The delimiter is the one llm-foundry's task configuration gives the file:
 *   `"\nAnswer: "` for ARC, PIQA and BoolQ, `" "` otherwise (COPA, SIQA, OpenBookQA).
 * - the schema form `context_options`/`continuation`/`gold` (Winogrande): each option is its own
 *   context and the shared continuation (after a space) is scored, lm-evaluation-harness's
 *   partial evaluation.
 * - HellaSwag's public JSONL (`ctx` or `ctx_a`/`ctx_b`, `activity_label`, `endings`, `label`),
 *   preprocessed as lm-evaluation-harness does; continuation = `" " + ending`.
 * Few-shot examples are whole solved questions joined by a blank line.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";
import { field, readJsonl } from "../jsonl.ts";

/** One question: a context per choice (often the same) and the scored continuations. */
export interface ChoiceDoc {
  /** Row number in the file. */
  id: string;
  /** Context of each choice. */
  contexts: string[];
  /** Continuation scored for each choice. */
  continuations: string[];
  /** Text whose length normalises `acc_norm` (the choice without delimiter). */
  choiceTexts: string[];
  /** Index of the right choice. */
  gold: number;
}

/** How rows become prompts. */
export interface ChoiceFormatOptions {
  /** Delimiter between query and choice (query/choices format). */
  delimiter: string;
  /** Examples per prompt. */
  shots: number;
  /** Seed of the example draw. */
  seed: number;
}

/** Python's str.capitalize(): first character upper-case, the rest lower-case. */
function capitalize(text: string): string {
  return text.slice(0, 1).toUpperCase() + text.slice(1).toLowerCase();
}

/**
 * lm-evaluation-harness's HellaSwag clean-up: trim, " [title]" to ". ", drop bracketed tags,
 * double spaces to single.
 *
 * @example
 * ```ts
 * import { hellaswagPreprocess } from "./multiple_choice.ts";
 * hellaswagPreprocess("Baking [title] Mix it.  [step] Stir"); // "Baking. Mix it. Stir"
 * ```
 */
export function hellaswagPreprocess(text: string): string {
  return text.trim().replaceAll(" [title]", ". ").replace(/\[.*?\]/g, "").replaceAll("  ", " ");
}

type Parsed = Omit<ChoiceDoc, "id">;

function parseRow(
  row: Record<string, unknown>,
  path: string,
  i: number,
  o: ChoiceFormatOptions,
): Parsed {
  if ("query" in row) {
    const query = field(row, "query", "string", path, i);
    const choices = field(row, "choices", "array", path, i).map(String);
    return {
      contexts: choices.map(() => query + o.delimiter),
      continuations: choices,
      choiceTexts: choices,
      gold: field(row, "gold", "number", path, i),
    };
  }
  if ("context_options" in row) {
    const options = field(row, "context_options", "array", path, i).map(String);
    const continuation = " " + field(row, "continuation", "string", path, i);
    return {
      contexts: options,
      continuations: options.map(() => continuation),
      choiceTexts: options.map(() => continuation.slice(1)),
      gold: field(row, "gold", "number", path, i),
    };
  }
  if ("endings" in row) {
    const ctx = "ctx_a" in row
      ? `${field(row, "ctx_a", "string", path, i)} ${
        capitalize(field(row, "ctx_b", "string", path, i))
      }`
      : field(row, "ctx", "string", path, i);
    const label = typeof row.activity_label === "string" ? `${row.activity_label}: ` : "";
    const endings = field(row, "endings", "array", path, i).map((e) =>
      hellaswagPreprocess(String(e))
    );
    const query = hellaswagPreprocess(label + ctx);
    return {
      contexts: endings.map(() => query),
      continuations: endings.map((e) => " " + e),
      choiceTexts: endings,
      gold: Number(row.label),
    };
  }
  throw new Error(
    `${path}: row ${
      i + 1
    } is not a known multiple-choice format (query/choices/gold, context_options/continuation/gold, or ctx/endings/label).`,
  );
}

/**
 * Loads a multiple-choice file in any of the three formats.
 *
 * @example
 * ```ts
 * import { loadChoices } from "./multiple_choice.ts";
 * // const docs = await loadChoices("copa.jsonl", { delimiter: " ", shots: 0, seed: 1234 });
 * ```
 */
export async function loadChoices(path: string, o: ChoiceFormatOptions): Promise<ChoiceDoc[]> {
  const parsed = (await readJsonl(path)).map((row, i) => parseRow(row, path, i, o));
  parsed.forEach((p, i) => {
    if (!Number.isInteger(p.gold) || p.gold < 0 || p.gold >= p.continuations.length) {
      throw new Error(
        `${path}: row ${i + 1} has gold ${p.gold} outside its ${p.continuations.length} choices.`,
      );
    }
  });
  const solved = (p: Parsed) => p.contexts[p.gold] + p.continuations[p.gold];
  return parsed.map((p, i) => {
    const prefix = fewShotPrefix(parsed, i, o.shots, o.seed, solved, "\n\n");
    return { id: String(i), ...p, contexts: p.contexts.map((c) => prefix + c) };
  });
}
