/**
 * Agreement on a teacher-forced continuation: the same (context, continuation) scored by the
 * GRIFFIN settings and by the full model, keeping each next-token distribution.
 *
 * @module
 */

import type { Mode } from "../../engine/types.ts";
import { encodePair } from "../encode_pair.ts";
import { meanKlDivergence, top1Agreement } from "../metrics/agreement.ts";
import type { RunContext } from "../run_context.ts";

/**
 * `{agreement_kl, agreement_top1}` for the continuation after the context, or `{}` when the
 * continuation is empty or does not fit the model.
 *
 * @example
 * ```ts
 * // teacherForcedAgreement(context, "Once upon a", " time", "gen");
 * ```
 */
export function teacherForcedAgreement(
  ctx: RunContext,
  context: string,
  continuation: string,
  mode: Mode,
): Record<string, number> {
  const pair = encodePair(ctx.model, context, continuation);
  const room = ctx.model.info.maxPositions - pair.contextIds.length;
  const continuationIds = pair.continuationIds.slice(0, Math.max(0, room));
  if (continuationIds.length === 0) return {};
  const base = { contextIds: pair.contextIds, continuationIds, mode, keepDistributions: true };
  const griffin = ctx.model.score({ ...base, griffin: ctx.griffin }).distributions;
  const full = ctx.model.score({ ...base, griffin: ctx.fullModel }).distributions;
  if (!griffin || !full) {
    throw new Error("The engine returned no distributions for keepDistributions.");
  }
  return {
    agreement_kl: meanKlDivergence(full, griffin),
    agreement_top1: top1Agreement(full, griffin),
  };
}
