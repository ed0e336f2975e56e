/**
 * The tasks: each one is its data format, prompt, mode and metrics, built from the loaders in
 * `formats/` and the runners in `runners/`.
 *
 * @module
 */

import type { SamplingOptions } from "../engine/types.ts";
import { loadGsm8k } from "./formats/gsm8k.ts";
import { loadLambada } from "./formats/lambada.ts";
import { loadSummaries } from "./formats/summarization.ts";
import { loadTextWindows } from "./formats/text_windows.ts";
import { numberExactMatch } from "./metrics/answer_number.ts";
import { applyLimit, type RunContext } from "./run_context.ts";
import { runGeneration } from "./runners/generation.ts";
import { runLastWord } from "./runners/loglikelihood.ts";
import { CHOICE_TASKS, coqaTask } from "./harness_tasks.ts";
import { runPerplexity } from "./runners/perplexity.ts";
import { cutAtMarker, referenceCut, summaryScores } from "./summary_output.ts";
import type { TaskDefinition } from "./task_definition.ts";
import type { TaskOptions } from "./types.ts";

/** Seed of few-shot draws when none is given (lm-evaluation-harness's default). */
const SHOT_SEED = 1234;
const GENERATION_AGREEMENT = ["agreement_rouge_l", "agreement_kl", "agreement_top1"];
const SAMPLING_OPTIONS: (keyof TaskOptions)[] = [
  "maxNewTokens",
  "greedy",
  "temperature",
  "topP",
  "topK",
];

function sampling(
  o: TaskOptions,
  defaults: Omit<SamplingOptions, "seed">,
  seed: number,
): SamplingOptions {
  return {
    greedy: o.greedy ?? defaults.greedy,
    temperature: o.temperature ?? defaults.temperature,
    topP: o.topP ?? defaults.topP,
    topK: o.topK ?? defaults.topK,
    seed: o.seed ?? seed,
  };
}

const SUMMARY_RENDERING =
  "GRIFFIN's summarisation prompts (the file's, or built from article/highlights)";

/** XSum / CNN-DailyMail as the paper ran them: 128 tokens, T 0.3, top-p 1, seed 42. */
function summarization(name: string, defaultPath: string, sentences: number): TaskDefinition {
  const load = (o: TaskOptions, path: string) =>
    loadSummaries(path, { shots: o.shots ?? 0, seed: o.seed ?? SHOT_SEED, sentences });
  return {
    name,
    version: "1",
    modes: ["gen"],
    defaultPath,
    metrics: ["rouge1", "rouge2", "rougeL"],
    agreementMetrics: GENERATION_AGREEMENT,
    accepts: ["shots", "compat", ...SAMPLING_OPTIONS],
    async run(ctx, path) {
      const o = ctx.options, compat = o.compat ?? "intent";
      const loaded = await load(o, path);
      const items = applyLimit(loaded, o.limit).map((d) => ({
        ...d,
        continuation: d.reference,
        score: (output: string) => summaryScores(output, d.reference, compat, d.id),
      }));
      await runGeneration(ctx, items, {
        maxNewTokens: o.maxNewTokens ?? 128,
        sampling: sampling(o, { greedy: false, temperature: 0.3, topP: 1, topK: 0 }, 42),
        // The reference generates on to the token limit and cuts afterwards.
        stopStrings: compat === "intent" ? ["###"] : [],
        postprocess: compat === "intent" ? cutAtMarker : referenceCut,
      });
    },
    async requests(o, path) {
      const until = (o.compat ?? "intent") === "intent" ? ["###"] : [];
      const docs = applyLimit(await load(o, path), o.limit);
      return {
        rendering: SUMMARY_RENDERING,
        requests: docs.map((d) => ({ doc: d.id, context: d.prompt, until: [...until] })),
      };
    },
  };
}

const loadGsm8kFor = (o: TaskOptions, path: string) =>
  loadGsm8k(path, { shots: o.shots ?? 0, seed: o.seed ?? SHOT_SEED });

const gsm8k: TaskDefinition = {
  name: "gsm8k",
  version: "1",
  modes: ["gen"],
  defaultPath: "tasks/gsm8k/gsm8k.jsonl",
  metrics: ["exact_match"],
  agreementMetrics: GENERATION_AGREEMENT,
  accepts: ["shots", ...SAMPLING_OPTIONS],
  async run(ctx, path) {
    const o = ctx.options;
    const docs = applyLimit(await loadGsm8kFor(o, path), o.limit);
    const items = docs.map((d) => ({
      id: d.id,
      prompt: d.prompt,
      reference: d.answer,
      continuation: d.solution,
      score: (output: string) => ({ exact_match: numberExactMatch(output, d.answer) }),
    }));
    await runGeneration(ctx, items, {
      maxNewTokens: o.maxNewTokens ?? 256,
      sampling: sampling(o, { greedy: true, temperature: 1, topP: 1, topK: 0 }, 42),
      stopStrings: ["Question:"],
      postprocess: (text) => text.trim(),
    });
  },
  async requests(o, path) {
    const docs = applyLimit(await loadGsm8kFor(o, path), o.limit);
    return {
      rendering: "llm-foundry GSM8K (context/chain_of_thought/answer)",
      requests: docs.map((d) => ({ doc: d.id, context: d.prompt, until: ["Question:"] })),
    };
  },
};

const lambada: TaskDefinition = {
  name: "lambada_openai",
  version: "1",
  modes: ["class", "gen"],
  defaultPath: "tasks/text/lambada_openai.jsonl",
  metrics: ["acc", "perplexity"], // the first is the headline of reports
  agreementMetrics: ["agreement_kl", "agreement_top1"],
  accepts: ["shots"],
  async run(ctx, path) {
    const o = ctx.options;
    const docs = await loadLambada(path, { shots: o.shots ?? 0, seed: o.seed ?? SHOT_SEED });
    await runLastWord(ctx, applyLimit(docs, o.limit));
  },
  async requests(o, path) {
    const docs = await loadLambada(path, { shots: o.shots ?? 0, seed: o.seed ?? SHOT_SEED });
    return {
      rendering: "llm-foundry LAMBADA (context/continuation)",
      requests: applyLimit(docs, o.limit).map((d) => ({
        doc: d.id,
        context: d.context,
        continuation: d.continuation,
      })),
    };
  },
};

/**
 * Continuation of held-out text: from each row's `context` (LAMBADA's `context`/`continuation`
 * JSONL, read by the same loader) the model generates up to `maxNewTokens` (default 64) tokens,
 * greedily unless told otherwise, cut at the first newline (a new document); ROUGE-1/2/L
 * against the row's `continuation`, which is also what the agreement metrics teacher-force.
 */
const continuation: TaskDefinition = {
  name: "continuation",
  version: "1",
  modes: ["gen"],
  metrics: ["rouge1", "rouge2", "rougeL"],
  agreementMetrics: GENERATION_AGREEMENT,
  accepts: SAMPLING_OPTIONS,
  async run(ctx, path) {
    const o = ctx.options;
    const docs = applyLimit(await loadLambada(path, { shots: 0, seed: SHOT_SEED }), o.limit);
    const items = docs.map((d) => ({
      id: d.id,
      prompt: d.context,
      reference: d.continuation.trim(),
      continuation: d.continuation,
      score: (output: string) => summaryScores(output, d.continuation, "intent", d.id),
    }));
    await runGeneration(ctx, items, {
      maxNewTokens: o.maxNewTokens ?? 64,
      sampling: sampling(o, { greedy: true, temperature: 1, topP: 1, topK: 0 }, 42),
      stopStrings: ["\n"],
      postprocess: (text) => text.trim(),
    });
  },
  async requests(o, path) {
    const docs = applyLimit(await loadLambada(path, { shots: 0, seed: SHOT_SEED }), o.limit);
    return {
      rendering: "context/continuation rows, the context as the prompt",
      requests: docs.map((d) => ({ doc: d.id, context: d.context, until: ["\n"] })),
    };
  },
};

function perplexity(name: string, defaultPath?: string): TaskDefinition {
  return {
    name,
    version: "1",
    modes: ["gen"],
    defaultPath,
    metrics: ["token_perplexity", "word_perplexity"],
    agreementMetrics: ["agreement_kl", "agreement_top1"],
    accepts: ["windowTokens", "promptTokens"],
    async run(ctx: RunContext, path: string) {
      const o = ctx.options, max = ctx.model.info.maxPositions;
      const windowTokens = o.windowTokens ?? Math.min(512, max);
      if (windowTokens > max) {
        throw new Error(
          `Option "windowTokens" of task "${name}" (${windowTokens}) exceeds the model's ${max} positions.`,
        );
      }
      const promptTokens = o.promptTokens ?? Math.floor(windowTokens / 2);
      if (promptTokens >= windowTokens) {
        throw new Error(
          `Option "promptTokens" of task "${name}" (${promptTokens}) must be below windowTokens (${windowTokens}).`,
        );
      }
      await runPerplexity(
        ctx,
        await loadTextWindows(ctx.model, path, windowTokens, promptTokens, o.limit),
      );
    },
  };
}

/** Every task, in the order they are listed. */
export const TASKS: readonly TaskDefinition[] = [
  summarization("xsum", "tasks/xsum/xsum_1shot.jsonl", 1),
  summarization("xsum_0shot", "tasks/xsum/xsum_0shot.jsonl", 1),
  summarization("cnn_dailymail", "tasks/cnn_dailymail/cnn_dailymail_1shot.jsonl", 3),
  ...CHOICE_TASKS,
  coqaTask,
  lambada,
  continuation,
  gsm8k,
  perplexity("wikitext2", "tasks/text/wikitext2_test.txt"),
  perplexity("tinystories", "tasks/text/tinystories_val.txt"),
  perplexity("perplexity"),
];
