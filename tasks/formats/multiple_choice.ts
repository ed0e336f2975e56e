/**
 * Multiple-choice data in two renderings, told apart by the first row's fields or chosen with
 * the `format` option:
 * - `dataset`: the dataset's own rows (Hugging Face schemas), rendered as the paper's
 *   lm-evaluation-harness v0.3 renders them (`harness_choice.ts`). Few-shot examples are
 *   `doc_to_text + doc_to_target` of other rows, joined and followed by a blank line.
 * - `llm-foundry`: llm-foundry's `query`/`choices`/`gold` files (context = `query + delimiter`,
 *   the delimiter llm-foundry's configuration gives the file: `"\nAnswer: "` for ARC, PIQA and
 *   BoolQ, `" "` otherwise), or its schema form `context_options`/`continuation`/`gold`
 *   (Winogrande: each option is a context and `" " + continuation` is scored). Few-shot
 *   examples are whole solved questions joined by a blank line.
 *
 * @module
 */

import { fewShotPrefix } from "../few_shot.ts";
import { readJsonl } from "../jsonl.ts";
import { type RowPlace, TaskInputError } from "../task_input_error.ts";
import { HARNESS_CHOICE_TASKS } from "./harness_choice.ts";
import { rowField } from "./row_fields.ts";

/** Which rendering a file gets. */
export type ChoiceFormat = "dataset" | "llm-foundry";

/**
 * The rendering the paper's numbers come from, as reports name it.
 *
 * @example
 * ```ts
 * import { PAPER_RENDERING } from "./multiple_choice.ts";
 * PAPER_RENDERING.startsWith("lm-evaluation-harness v0.3"); // true
 * ```
 */
export const PAPER_RENDERING =
  "lm-evaluation-harness v0.3 (the paper's), from the dataset's fields";

/** One question: a context per choice (often the same) and the scored continuations. */
export interface ChoiceDoc {
  /** 0-based row number in the file. */
  id: string;
  /** Context of each choice. */
  contexts: string[];
  /** Continuation scored for each choice. */
  continuations: string[];
  /** Text whose length normalises `acc_norm` (the choice without the joining space). */
  choiceTexts: string[];
  /** Index of the right choice. */
  gold: number;
}

/** How rows become prompts. */
export interface ChoiceFormatOptions {
  /** The task reading the file (names its dataset rendering and its errors). */
  task: string;
  /** The rendering; by default told from the first row's fields. */
  format?: ChoiceFormat;
  /** Delimiter between query and choice (llm-foundry's query/choices files). */
  delimiter: string;
  /** Examples per prompt. */
  shots: number;
  /** Seed of the example draw. */
  seed: number;
}

/** The documents of a file and the rendering they got. */
export interface LoadedChoices {
  /** The rendering, in words (reports show it). */
  rendering: string;
  /** Its format. */
  format: ChoiceFormat;
  /** The documents, one per row. */
  docs: ChoiceDoc[];
}

type Parsed = Omit<ChoiceDoc, "id">;

function foundryRow(row: Record<string, unknown>, where: RowPlace, delimiter: string): Parsed {
  if ("context_options" in row) {
    const options = rowField(row, "context_options", "strings", where);
    const continuation = " " + rowField(row, "continuation", "string", where);
    return {
      contexts: options,
      continuations: options.map(() => continuation),
      choiceTexts: options.map(() => continuation.slice(1)),
      gold: rowField(row, "gold", "number", where),
    };
  }
  const query = rowField(row, "query", "string", where);
  const choices = rowField(row, "choices", "strings", where);
  return {
    contexts: choices.map(() => query + delimiter),
    continuations: choices,
    choiceTexts: choices,
    gold: rowField(row, "gold", "number", where),
  };
}

function chooseFormat(first: Record<string, unknown> | undefined, o: ChoiceFormatOptions) {
  const harness = HARNESS_CHOICE_TASKS[o.task];
  if (o.format === "dataset" && !harness) {
    throw new TaskInputError(
      `task "${o.task}" has no dataset rendering; use format "llm-foundry" (known: ${
        Object.keys(HARNESS_CHOICE_TASKS).join(", ")
      }).`,
    );
  }
  return o.format ?? (harness && first && harness.marker in first ? "dataset" : "llm-foundry");
}

function foundryRendering(first: Record<string, unknown> | undefined, delimiter: string): string {
  return first && "context_options" in first
    ? "llm-foundry context_options/continuation/gold"
    : `llm-foundry query/choices/gold, delimiter ${JSON.stringify(delimiter)}`;
}

/**
 * Loads a multiple-choice file in the dataset's schema or llm-foundry's.
 *
 * @example
 * ```ts
 * import { loadChoices } from "./multiple_choice.ts";
 * // const { rendering, docs } = await loadChoices("piqa.jsonl", { task: "piqa", delimiter: " ", shots: 0, seed: 1234 });
 * ```
 */
export async function loadChoices(path: string, o: ChoiceFormatOptions): Promise<LoadedChoices> {
  let rows: Record<string, unknown>[];
  try {
    rows = await readJsonl(path);
  } catch (cause) {
    throw new TaskInputError(`task "${o.task}", file ${(cause as Error).message}`, { cause });
  }
  const format = chooseFormat(rows[0], o);
  const place = (row: number): RowPlace => ({ task: o.task, path, row });
  if (format === "dataset") {
    const harness = HARNESS_CHOICE_TASKS[o.task];
    const rendered = rows.map((row, i) => harness.render(row, place(i)));
    const docs = rendered.map((d, i) => {
      const prefix = fewShotPrefix(rendered, i, o.shots, o.seed, (x) => x.text + x.target, "\n\n");
      const requests = d.requests(prefix + d.text);
      return {
        id: String(i),
        contexts: requests.map((r) => r.context),
        continuations: requests.map((r) => r.continuation),
        choiceTexts: d.choices,
        gold: d.gold,
      };
    });
    return { rendering: PAPER_RENDERING, format, docs };
  }
  const parsed = rows.map((row, i) => foundryRow(row, place(i), o.delimiter));
  parsed.forEach((p, i) => {
    if (!Number.isInteger(p.gold) || p.gold < 0 || p.gold >= p.continuations.length) {
      throw new TaskInputError(
        `task "${o.task}", file ${path}, row ${i}: field "gold" (${p.gold}) names none of its ${p.continuations.length} choices.`,
      );
    }
  });
  const solved = (p: Parsed) => p.contexts[p.gold] + p.continuations[p.gold];
  const docs = parsed.map((p, i) => {
    const prefix = fewShotPrefix(parsed, i, o.shots, o.seed, solved, "\n\n");
    return { id: String(i), ...p, contexts: p.contexts.map((c) => prefix + c) };
  });
  return { rendering: foundryRendering(rows[0], o.delimiter), format, docs };
}
