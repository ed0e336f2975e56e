/**
 * Agreement on a teacher-forced continuation: the same (context, continuation) scored by the
 * GRIFFIN settings and by the full model, keeping each next-token distribution.
 *
 * @module
 */

import type { Mode } from "../../engine/types.ts";
import { encodePair, fitToModel } from "../encode_pair.ts";
import { meanKlDivergence, top1Agreement } from "../metrics/agreement.ts";
import type { RunContext } from "../run_context.ts";

/**
 * `{agreement_kl, agreement_top1}` for the continuation after the context, or `{}` when the
 * continuation is empty. A continuation longer than the room after the context is cut; a
 * context that leaves no room loses tokens from the left.
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
  const max = ctx.model.info.maxPositions;
  const encoded = encodePair(ctx.model, context, continuation);
  const room = max - encoded.contextIds.length;
  // A context that fills the model loses tokens from the left, as the scored request did.
  const pair = room > 0
    ? { ...encoded, continuationIds: encoded.continuationIds.slice(0, room) }
    : fitToModel(encoded, max);
  if (pair === undefined || pair.continuationIds.length === 0) return {};
  const base = { ...pair, mode, keepDistributions: true };
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
