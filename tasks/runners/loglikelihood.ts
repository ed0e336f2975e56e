/**
 * Runs log-likelihood samples: multiple choice (acc, acc_norm) and LAMBADA (last-word
 * log-likelihood, greedy accuracy). A request too long for the model loses context tokens from
 * the left (lm-evaluation-harness's input slice); one whose continuation is empty or alone too
 * long is skipped and counted.
 *
 * @module
 */

import type { ScoreRequest, ScoreResult } from "../../engine/types.ts";
import { type EncodedPair, encodePair, fitToModel } from "../encode_pair.ts";
import { choiceScores } from "../metrics/choice.ts";
import type { ChoiceDoc } from "../formats/multiple_choice.ts";
import type { LambadaDoc } from "../formats/lambada.ts";
import { recordRequest } from "../recorded_request.ts";
import type { RunContext } from "../run_context.ts";
import { teacherForcedAgreement } from "./teacher_forced.ts";

/** What a multiple-choice task reports besides `acc`. */
export interface ChoiceRunSettings {
  /** The rendering, recorded with every sample. */
  rendering: string;
  /** Whether the task has `acc_norm` (the paper's code computes it for some tasks only). */
  accNorm: boolean;
}

/**
 * Scores every choice of every question.
 *
 * @example
 * ```ts
 * // await runChoices(context, docs, { rendering: "llm-foundry", accNorm: true });
 * ```
 */
export async function runChoices(
  ctx: RunContext,
  docs: ChoiceDoc[],
  settings: ChoiceRunSettings = { rendering: "", accNorm: true },
): Promise<void> {
  for (let start = 0; start < docs.length; start += DOCS_PER_CALL) {
    const chunk = docs.slice(start, start + DOCS_PER_CALL);
    const max = ctx.model.info.maxPositions;
    const kept: ChoiceDoc[] = [], pairs: EncodedPair[][] = [];
    for (const doc of chunk) {
      const fitted = doc.contexts.map((c, i) =>
        fitToModel(encodePair(ctx.model, c, doc.continuations[i]), max)
      );
      if (fitted.some((p) => p === undefined)) {
        ctx.skip(doc.id, "a choice is empty or longer than the model's positions");
        continue;
      }
      kept.push(doc);
      pairs.push(fitted as EncodedPair[]);
    }
    // every choice of every question in the chunk, in as few engine calls as the model allows
    const scoreAll = (griffin: typeof ctx.griffin, record: boolean) => {
      const results = scoreMany(ctx, pairs.flat().map((p) => ({ ...p, mode: ctx.mode, griffin })));
      if (record) results.forEach((r) => ctx.timings.add(r.timings));
      let at = 0;
      return pairs.map((p) => results.slice(at, at += p.length));
    };
    const scored = scoreAll(ctx.griffin, true);
    const full = ctx.options.agreement ? scoreAll(ctx.fullModel, false) : [];
    const lls = (results: ScoreResult[]) => results.map((r) => r.loglikelihood);
    for (const [d, doc] of kept.entries()) {
      const s = choiceScores(lls(scored[d]), doc.choiceTexts, doc.gold);
      const metrics: Record<string, number> = settings.accNorm
        ? { acc: s.acc, acc_norm: s.acc_norm }
        : { acc: s.acc };
      if (ctx.options.agreement) {
        metrics.agreement_acc =
          choiceScores(lls(full[d]), doc.choiceTexts, doc.gold).predicted === s.predicted ? 1 : 0;
        const g = doc.gold;
        Object.assign(
          metrics,
          teacherForcedAgreement(ctx, doc.contexts[g], doc.continuations[g], ctx.mode),
        );
      }
      await ctx.emit({
        id: doc.id,
        prompt: doc.contexts[doc.gold],
        reference: doc.continuations[doc.gold],
        output: doc.continuations[s.predicted],
        metrics,
        ...(settings.rendering ? { rendering: settings.rendering } : {}),
        requests: doc.contexts.map((c, i) =>
          recordRequest(c, { continuation: doc.continuations[i] }, scored[d][i])
        ),
      });
    }
  }
}

/** Questions whose choices go to the model together (it batches them as it can). */
const DOCS_PER_CALL = 64;

/** Scores requests with the model's scoreMany when it has one, else one at a time. */
function scoreMany(ctx: RunContext, requests: ScoreRequest[]): ScoreResult[] {
  return ctx.model.scoreMany?.(requests) ?? requests.map((r) => ctx.model.score(r));
}

/**
 * Scores the last word of every passage.
 *
 * @example
 * ```ts
 * // await runLastWord(context, docs);
 * ```
 */
export async function runLastWord(ctx: RunContext, docs: LambadaDoc[]): Promise<void> {
  for (const doc of docs) {
    const pair = fitToModel(
      encodePair(ctx.model, doc.context, doc.continuation),
      ctx.model.info.maxPositions,
    );
    if (pair === undefined) {
      ctx.skip(doc.id, "the continuation is empty or longer than the model's positions");
      continue;
    }
    const r = ctx.model.score({ ...pair, mode: ctx.mode, griffin: ctx.griffin });
    ctx.timings.add(r.timings);
    const metrics: Record<string, number> = {
      loglikelihood: r.loglikelihood,
      tokens: pair.continuationIds.length,
      acc: r.greedy ? 1 : 0,
    };
    if (ctx.options.agreement) {
      Object.assign(metrics, teacherForcedAgreement(ctx, doc.context, doc.continuation, ctx.mode));
    }
    await ctx.emit({
      id: doc.id,
      prompt: doc.context,
      reference: doc.continuation,
      metrics,
      requests: [recordRequest(doc.context, { continuation: doc.continuation }, r)],
    });
  }
}
