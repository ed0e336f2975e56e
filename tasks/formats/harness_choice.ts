/**
 * The paper's multiple-choice tasks rendered from the datasets' own rows exactly as the
 * lm-evaluation-harness version the GRIFFIN repository vendors (v0.3 era) renders them (the
 * facts: `../shared/docs/TASKS.md`). Each task turns a row into `doc_to_text`, `doc_to_target`
 * (the solved form few-shot examples use), the choices whose lengths normalise `acc_norm`, the
 * gold index, and the log-likelihood requests made from a context (the rendering, after any
 * few-shot examples).
 *
 * @module
 */

import type { RowPlace } from "../task_input_error.ts";
import { rowFieldError } from "../task_input_error.ts";
import { lowerFirst, pyCapitalize, pyStrip } from "./python_text.ts";
import { rowField } from "./row_fields.ts";

/** One log-likelihood request. */
export interface ChoiceRequest {
  /** The context, few-shot examples included. */
  context: string;
  /** The scored continuation. */
  continuation: string;
}

/** A row as the paper's code renders it. */
export interface HarnessChoiceDoc {
  /** `doc_to_text`: the 0-shot context (Winogrande: with the correct option). */
  text: string;
  /** `doc_to_target`: the correct continuation, as few-shot examples show it. */
  target: string;
  /** Choice strings whose lengths (code points) divide the log-likelihoods for `acc_norm`. */
  choices: string[];
  /** Index of the right choice. */
  gold: number;
  /** The requests of this row given its full context, one per choice, in choice order. */
  requests(context: string): ChoiceRequest[];
}

/** How one task reads its dataset's rows. */
export interface HarnessChoiceTask {
  /** A field only this dataset's rows have: tells them from llm-foundry's. */
  marker: string;
  /** Renders one row; a missing or bad field throws naming the task, file, row and field. */
  render(row: Record<string, unknown>, where: RowPlace): HarnessChoiceDoc;
}

type Row = Record<string, unknown>;

/** lm-evaluation-harness's MultipleChoiceTask: context, then `" " + choice` for each choice. */
function multipleChoice(text: string, choices: string[], gold: number): HarnessChoiceDoc {
  return {
    text,
    target: " " + choices[gold],
    choices,
    gold,
    requests: (context) => choices.map((c) => ({ context, continuation: " " + c })),
  };
}

function goldIndex(
  value: number,
  count: number,
  field: string,
  where: RowPlace,
  shown: unknown = value,
): number {
  if (!Number.isInteger(value) || value < 0 || value >= count) {
    throw rowFieldError(where, field, `(${JSON.stringify(shown)}) names none of ${count} choices`);
  }
  return value;
}

const boolq: HarnessChoiceTask = {
  marker: "passage",
  render(row, where) {
    const passage = rowField(row, "passage", "string", where);
    const question = rowField(row, "question", "string", where);
    const label = rowField(row, "label", "number", where);
    const text = `${passage}\nQuestion: ${question}?\nAnswer:`;
    // The requests are " yes" then " no"; label 1 (true) is " yes".
    return multipleChoice(text, ["yes", "no"], label === 1 ? 0 : 1);
  },
};

const copa: HarnessChoiceTask = {
  marker: "premise",
  render(row, where) {
    const premise = rowField(row, "premise", "string", where);
    const question = rowField(row, "question", "string", where);
    const connector = new Map([["cause", "because"], ["effect", "therefore"]]).get(question);
    if (connector === undefined) {
      throw rowFieldError(where, "question", `must be "cause" or "effect", got "${question}"`);
    }
    const choices = ["choice1", "choice2"].map((f) =>
      lowerFirst(rowField(row, f, "string", where))
    );
    const gold = goldIndex(rowField(row, "label", "number", where), 2, "label", where);
    // The premise's last character (its period) is cut, whatever it is.
    const stripped = [...pyStrip(premise)];
    return multipleChoice(`${stripped.slice(0, -1).join("")} ${connector}`, choices, gold);
  },
};

const piqa: HarnessChoiceTask = {
  marker: "goal",
  render(row, where) {
    const goal = rowField(row, "goal", "string", where);
    const choices = [
      rowField(row, "sol1", "string", where),
      rowField(row, "sol2", "string", where),
    ];
    const gold = goldIndex(rowField(row, "label", "number", where), 2, "label", where);
    return multipleChoice(`Question: ${goal}\nAnswer:`, choices, gold);
  },
};

const ARC_NUMBERS = new Map([["1", "A"], ["2", "B"], ["3", "C"], ["4", "D"], ["5", "E"]]);

const arc: HarnessChoiceTask = {
  marker: "question",
  render(row, where) {
    const question = rowField(row, "question", "string", where);
    const choices = rowField(row, "choices.text", "strings", where);
    const key = rowField(row, "answerKey", "string", where);
    const letter = ARC_NUMBERS.get(key) ?? key;
    const gold = goldIndex(
      ["A", "B", "C", "D", "E"].indexOf(letter),
      choices.length,
      "answerKey",
      where,
      key,
    );
    return multipleChoice(`Question: ${question}\nAnswer:`, choices, gold);
  },
};

const openbookqa: HarnessChoiceTask = {
  marker: "question_stem",
  render(row, where) {
    const stem = rowField(row, "question_stem", "string", where);
    const choices = rowField(row, "choices.text", "strings", where);
    const key = rowField(row, "answerKey", "string", where);
    const gold = goldIndex(
      ["A", "B", "C", "D"].indexOf(pyStrip(key)),
      choices.length,
      "answerKey",
      where,
      key,
    );
    return multipleChoice(stem, choices, gold);
  },
};

/**
 * lm-evaluation-harness's HellaSwag clean-up: strip; `" [title]"` to `". "`; delete every
 * `[…]` tag (non-greedy, within a line); one pass replacing `"  "` with `" "`.
 *
 * @example
 * ```ts
 * import { hellaswagPreprocess } from "./harness_choice.ts";
 * hellaswagPreprocess("Baking [title] Mix it.  [step] Stir"); // "Baking. Mix it. Stir"
 * ```
 */
export function hellaswagPreprocess(text: string): string {
  return pyStrip(text).replaceAll(" [title]", ". ").replace(/\[[^\n]*?\]/g, "").replaceAll(
    "  ",
    " ",
  );
}

const hellaswag: HarnessChoiceTask = {
  marker: "endings",
  render(row, where) {
    const label = rowField(row, "activity_label", "string", where);
    const ctxA = rowField(row, "ctx_a", "string", where);
    const ctxB = rowField(row, "ctx_b", "string", where);
    const endings = rowField(row, "endings", "strings", where).map(hellaswagPreprocess);
    const raw = row.label;
    const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw : "";
    if (!/^\s*[+-]?\d+\s*$/.test(text)) {
      throw rowFieldError(
        where,
        "label",
        `must be a choice number such as "2", got ${JSON.stringify(raw)}`,
      );
    }
    const gold = goldIndex(Number(text), endings.length, "label", where, raw);
    const query = hellaswagPreprocess(`${label}: ${ctxA} ${pyCapitalize(ctxB)}`);
    return multipleChoice(query, endings, gold);
  },
};

/**
 * Winogrande's `append_context`: the context's last `"\n\n"`-separated part (the row's own
 * rendering) replaced by the partial context.
 */
function appendContext(context: string, partial: string): string {
  const parts = context.split("\n\n");
  parts.pop();
  return parts.length > 0 ? [...parts, partial].join("\n\n") : partial;
}

const winogrande: HarnessChoiceTask = {
  marker: "sentence",
  render(row, where) {
    const sentence = rowField(row, "sentence", "string", where);
    const options = [
      rowField(row, "option1", "string", where),
      rowField(row, "option2", "string", where),
    ];
    const answer = rowField(row, "answer", "string", where);
    const gold = new Map([["1", 0], ["2", 1]]).get(answer);
    if (gold === undefined) {
      throw rowFieldError(where, "answer", `must be "1" or "2", got "${answer}"`);
    }
    const blank = sentence.indexOf("_");
    if (blank < 0) throw rowFieldError(where, "sentence", 'has no "_" to fill');
    const partial = (option: string) => sentence.slice(0, blank) + option;
    const target = " " + pyStrip(sentence.slice(blank + 1));
    return {
      text: partial(options[gold]),
      target,
      choices: options,
      gold,
      requests: (context) =>
        options.map((o) => ({ context: appendContext(context, partial(o)), continuation: target })),
    };
  },
};

/**
 * The paper's multiple-choice tasks by lm-evaluation-harness name.
 *
 * @example
 * ```ts
 * import { HARNESS_CHOICE_TASKS } from "./harness_choice.ts";
 * const where = { task: "piqa", path: "piqa.jsonl", row: 0 };
 * const doc = HARNESS_CHOICE_TASKS.piqa.render({ goal: "Dry shoes?", sol1: "Sun.", sol2: "Oven.", label: 0 }, where);
 * doc.requests(doc.text)[1]; // { context: "Question: Dry shoes?\nAnswer:", continuation: " Oven." }
 * ```
 */
export const HARNESS_CHOICE_TASKS: Readonly<Record<string, HarnessChoiceTask>> = {
  boolq,
  copa,
  piqa,
  arc_easy: arc,
  arc_challenge: arc,
  openbookqa,
  hellaswag,
  winogrande,
};
