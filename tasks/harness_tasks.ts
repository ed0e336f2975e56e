/**
 * The paper's classification tasks and CoQA, under lm-evaluation-harness's names (earlier names
 * kept as aliases). Each renders the dataset's own rows as the paper's lm-evaluation-harness
 * v0.3 does; multiple-choice tasks also read llm-foundry's files (`format`, or told from the
 * fields). Metrics as the paper's code computes them: `acc` everywhere, `acc_norm` only where
 * that code has it, CoQA's F1 and EM over its golds.
 *
 * @module
 */

import { loadChoices } from "./formats/multiple_choice.ts";
import { loadCoqa } from "./formats/coqa.ts";
import { pyStrip } from "./formats/python_text.ts";
import { coqaScores } from "./metrics/squad.ts";
import { applyLimit } from "./run_context.ts";
import { runGeneration } from "./runners/generation.ts";
import { runChoices } from "./runners/loglikelihood.ts";
import type { TaskDefinition } from "./task_definition.ts";
import type { TaskOptions } from "./types.ts";

/** Seed of few-shot draws when none is given (lm-evaluation-harness's default). */
const SHOT_SEED = 1234;
/** CoQA's stop string: the next question. */
const COQA_UNTIL = ["\nQ:"];

/** What one multiple-choice task is besides its name. */
interface ChoiceSpec {
  /** llm-foundry's file of the task in the data folder (`tasks/mc/<file>`). */
  file: string;
  /** llm-foundry's delimiter between query and choice. */
  delimiter: string;
  /** Whether the paper's code computes `acc_norm` for it. */
  accNorm: boolean;
  /** Earlier names. */
  aliases?: string[];
  /** Version: bumped whenever prompts or scoring change. */
  version?: string;
}

/**
 * A multiple-choice task in class mode (or gen).
 *
 * @example
 * ```ts
 * import { choiceTask } from "./harness_tasks.ts";
 * const piqa = choiceTask("piqa", { file: "piqa.jsonl", delimiter: "\nAnswer: ", accNorm: true });
 * piqa.metrics; // ["acc", "acc_norm"]
 * ```
 */
export function choiceTask(name: string, spec: ChoiceSpec): TaskDefinition {
  const load = (o: TaskOptions, path: string) =>
    loadChoices(path, {
      task: name,
      format: o.format,
      delimiter: spec.delimiter,
      shots: o.shots ?? 0,
      seed: o.seed ?? SHOT_SEED,
    });
  return {
    name,
    aliases: spec.aliases,
    version: spec.version ?? "2",
    modes: ["class", "gen"],
    defaultPath: `tasks/mc/${spec.file}`,
    metrics: spec.accNorm ? ["acc", "acc_norm"] : ["acc"],
    agreementMetrics: ["agreement_acc", "agreement_kl", "agreement_top1"],
    accepts: ["shots", "format"],
    async run(ctx, path) {
      const { rendering, docs } = await load(ctx.options, path);
      await runChoices(ctx, applyLimit(docs, ctx.options.limit), {
        rendering,
        accNorm: spec.accNorm,
      });
    },
    async requests(o, path) {
      const { rendering, docs } = await load(o, path);
      const requests = applyLimit(docs, o.limit).flatMap((d) =>
        d.contexts.map((context, i) => ({ doc: d.id, context, continuation: d.continuations[i] }))
      );
      return { rendering, requests };
    },
  };
}

/** CoQA's documents as the options ask for them (shots and their seed). */
function coqaDocs(o: TaskOptions, path: string) {
  return loadCoqa(path, { task: "coqa", shots: o.shots ?? 0, seed: o.seed ?? SHOT_SEED });
}

/**
 * CoQA: greedy generation until `"\nQ:"`, at most 256 new tokens, F1 and EM over the golds.
 *
 * @example
 * ```ts
 * import { coqaTask } from "./harness_tasks.ts";
 * coqaTask.metrics; // ["f1", "em"]
 * ```
 */
export const coqaTask: TaskDefinition = {
  name: "coqa",
  version: "2",
  modes: ["gen"],
  defaultPath: "tasks/coqa/coqa-dev-v1.0.json",
  metrics: ["f1", "em"],
  agreementMetrics: ["agreement_rouge_l", "agreement_kl", "agreement_top1"],
  accepts: ["shots", "maxNewTokens"],
  async run(ctx, path) {
    const o = ctx.options;
    const { rendering, docs } = await coqaDocs(o, path);
    const items = applyLimit(docs, o.limit).map((d) => ({
      id: d.id,
      prompt: d.prompt,
      reference: d.golds[0],
      continuation: " " + d.golds[0],
      score: (output: string) => coqaScores(d.golds, output),
    }));
    await runGeneration(ctx, items, {
      maxNewTokens: o.maxNewTokens ?? 256,
      sampling: { greedy: true, temperature: 1, topP: 1, topK: 0, seed: 0 },
      stopStrings: COQA_UNTIL,
      // The prediction is the first line of the stripped output.
      postprocess: (text) => pyStrip(text).split("\n")[0],
      rendering,
      truncateLeft: true,
    });
  },
  async requests(o, path) {
    const { rendering, docs } = await coqaDocs(o, path);
    const requests = applyLimit(docs, o.limit).map((d) => ({
      doc: d.id,
      context: d.prompt,
      until: [...COQA_UNTIL],
    }));
    return { rendering, requests };
  },
};

/**
 * The multiple-choice tasks, in the paper's order, then SIQA (llm-foundry's file only).
 *
 * @example
 * ```ts
 * import { CHOICE_TASKS } from "./harness_tasks.ts";
 * CHOICE_TASKS.find((t) => t.name === "openbookqa")?.aliases; // ["openbook_qa"]
 * ```
 */
export const CHOICE_TASKS: readonly TaskDefinition[] = [
  choiceTask("boolq", { file: "boolq.jsonl", delimiter: "\nAnswer: ", accNorm: false }),
  choiceTask("piqa", { file: "piqa.jsonl", delimiter: "\nAnswer: ", accNorm: true }),
  choiceTask("copa", { file: "copa.jsonl", delimiter: " ", accNorm: false }),
  choiceTask("arc_easy", { file: "arc_easy.jsonl", delimiter: "\nAnswer: ", accNorm: true }),
  choiceTask("arc_challenge", {
    file: "arc_challenge.jsonl",
    delimiter: "\nAnswer: ",
    accNorm: true,
  }),
  choiceTask("openbookqa", {
    file: "openbook_qa.jsonl",
    delimiter: " ",
    accNorm: true,
    aliases: ["openbook_qa"],
  }),
  choiceTask("siqa", { file: "siqa.jsonl", delimiter: " ", accNorm: true, version: "1" }),
  choiceTask("winogrande", { file: "winogrande.jsonl", delimiter: " ", accNorm: false }),
  choiceTask("hellaswag", { file: "hellaswag.jsonl", delimiter: " ", accNorm: true }),
];
