/**
 * Runs generation samples (summarisation, CoQA, GSM8K): skips prompts longer than
 * `maxPositions − maxNewTokens`, generates with GRIFFIN, post-processes and scores the text,
 * and with `agreement` also generates with the full model (same prompt, same seed) and
 * teacher-forces the reference continuation through both.
 *
 * @module
 */

import type { GenerateRequest, GenerateResult, SamplingOptions } from "../../engine/types.ts";
import { rougeLAgreement } from "../metrics/rouge.ts";
import { recordRequest } from "../recorded_request.ts";
import type { RunContext } from "../run_context.ts";
import { teacherForcedAgreement } from "./teacher_forced.ts";

/** One generation sample and how to judge its output. */
export interface GenerationItem {
  /** Sample id. */
  id: string;
  /** The prompt text. */
  prompt: string;
  /** The reference shown in the sample record. */
  reference: string;
  /** Continuation teacher-forced after the prompt for the agreement metrics. */
  continuation: string;
  /** Per-sample metrics of the post-processed output. */
  score(output: string): Record<string, number>;
}

/** How the task generates. */
export interface GenerationSettings {
  /** At most this many new tokens. */
  maxNewTokens: number;
  /** Sampling; every sample uses the same seed, so GRIFFIN and the full model share it. */
  sampling: SamplingOptions;
  /** Generation stops at these strings (the engine cuts before them). */
  stopStrings: string[];
  /** Turns the engine's text into the scored output. */
  postprocess(text: string): string;
  /** The rendering, recorded with every sample. */
  rendering?: string;
  /**
   * Over-long prompts keep their last `maxPositions − maxNewTokens` tokens (lm-evaluation-
   * harness v0.3's `greedy_until`) instead of being skipped.
   */
  truncateLeft?: boolean;
}

/** Samples a batched run generates together: their records are written after each group. */
const GROUP = 64;

/**
 * Runs every item; emits a record per scored sample and counts skips. One sample at a time, or,
 * where the model generates together (a sweep's `batch.generation`), a group of samples per
 * generateMany call — the same outputs and metrics.
 *
 * @example
 * ```ts
 * // await runGeneration(context, items, settings);
 * ```
 */
export async function runGeneration(
  ctx: RunContext,
  items: GenerationItem[],
  settings: GenerationSettings,
): Promise<void> {
  const { model } = ctx;
  const budget = model.info.maxPositions - settings.maxNewTokens;
  const ready: { item: GenerationItem; request: Omit<GenerateRequest, "griffin"> }[] = [];
  for (const item of items) {
    let promptIds = model.encode(item.prompt);
    if (settings.truncateLeft && budget > 0) promptIds = promptIds.slice(-budget);
    if (promptIds.length > budget) {
      ctx.skip(item.id, `prompt of ${promptIds.length} tokens > ${budget}`);
      continue;
    }
    ready.push({
      item,
      request: {
        promptIds,
        maxNewTokens: settings.maxNewTokens,
        sampling: settings.sampling,
        stopStrings: settings.stopStrings,
      },
    });
  }
  const together = model.generatesTogether === true && model.generateMany !== undefined;
  const generate = (requests: GenerateRequest[]) =>
    together ? model.generateMany!(requests) : requests.map((r) => model.generate(r));
  const group = together ? GROUP : 1;
  for (let first = 0; first < ready.length; first += group) {
    const chunk = ready.slice(first, first + group);
    const results = generate(chunk.map((c) => ({ ...c.request, griffin: ctx.griffin })));
    const fulls = ctx.options.agreement
      ? generate(chunk.map((c) => ({ ...c.request, griffin: ctx.fullModel })))
      : [];
    for (let i = 0; i < chunk.length; i++) {
      await judge(ctx, settings, chunk[i].item, results[i], fulls[i]);
    }
  }
}

/** Scores one sample's output (and its agreement with the full model's) and emits its record. */
async function judge(
  ctx: RunContext,
  settings: GenerationSettings,
  item: GenerationItem,
  result: GenerateResult,
  full: GenerateResult | undefined,
): Promise<void> {
  ctx.timings.add(result.timings);
  const output = settings.postprocess(result.text);
  const metrics = item.score(output);
  if (full) {
    metrics.agreement_rouge_l = rougeLAgreement(output, settings.postprocess(full.text));
    Object.assign(metrics, teacherForcedAgreement(ctx, item.prompt, item.continuation, "gen"));
  }
  await ctx.emit({
    id: item.id,
    prompt: item.prompt,
    reference: item.reference,
    output,
    metrics,
    ...(settings.rendering ? { rendering: settings.rendering } : {}),
    requests: [recordRequest(item.prompt, { until: settings.stopStrings })],
  });
}
