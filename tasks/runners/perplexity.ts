/**
 * Perplexity of text windows with GRIFFIN in `gen` mode: each window's prompt part runs as
 * the prompt phase (experts chosen there), the rest is teacher-forced through the generation
 * phase and scored. Per window: the summed log-likelihood, the scored tokens and the
 * whitespace-separated words of the scored text (a word cut by a window edge counts in each).
 *
 * @module
 */

import { meanKlDivergence, top1Agreement } from "../metrics/agreement.ts";
import type { TextWindow } from "../formats/text_windows.ts";
import type { RunContext } from "../run_context.ts";

/**
 * Scores every window.
 *
 * @example
 * ```ts
 * // await runPerplexity(context, windows);
 * ```
 */
export async function runPerplexity(ctx: RunContext, windows: TextWindow[]): Promise<void> {
  for (const w of windows) {
    const request = {
      contextIds: w.promptIds,
      continuationIds: w.scoredIds,
      mode: ctx.mode,
      keepDistributions: ctx.options.agreement === true,
    };
    const r = ctx.model.score({ ...request, griffin: ctx.griffin });
    ctx.timings.add(r.timings);
    const scored = ctx.model.decode(w.scoredIds);
    const metrics: Record<string, number> = {
      loglikelihood: r.loglikelihood,
      tokens: w.scoredIds.length,
      words: scored.split(/\s+/u).filter((x) => x.length > 0).length,
    };
    if (ctx.options.agreement) {
      const full = ctx.model.score({ ...request, griffin: ctx.fullModel });
      metrics.agreement_kl = meanKlDivergence(full.distributions!, r.distributions!);
      metrics.agreement_top1 = top1Agreement(full.distributions!, r.distributions!);
    }
    await ctx.emit({ id: w.id, prompt: ctx.model.decode(w.promptIds), reference: scored, metrics });
  }
}
