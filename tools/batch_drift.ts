/**
 * How far a packed class batch's log-likelihoods lie from the same requests scored one per engine
 * call (`--batch-size 1`), on a synthetic model in each weight type asked for:
 * `deno run -A tools/batch_drift.ts [shape] [requests] [context] [continuation] [density] [dtypes]`
 * (defaults: llama2-7b 32 200 24 1 bf16,f32; device cuda:0, or cpu with GRIFFIN_DEVICE=cpu).
 * Per weight type it prints the largest and median |Δ| of the requests' log-likelihoods, the
 * largest |Δ| of a token's log-probability, and how many requests chose other experts; with f32
 * among the types, how far each bf16 scoring lies from f32's; and packed against the same requests
 * packed in reverse order, five a call (other row counts per product). A kernel that computes a request
 * alone otherwise than packed shows here: in bf16 its other roundings travel through every layer
 * (on the H200, cuBLAS's attention for a Llama-2-7B request alone against the packed batch's
 * fused kernel: up to 0.05 at density 1, other experts for every request at 0.5; since a class
 * request alone takes the fused kernel too, 1e-13).
 *
 * @module
 */
import { openModel } from "../engine/open.ts";
import { scoreBatch } from "../engine/score_batch.ts";
import type { ScoreRequest, ScoreResult } from "../engine/types.ts";
import type { DType } from "../ffi/config.ts";

/** What separates two scorings of the same requests. */
export interface BatchDrift {
  /** Largest |Δ log-likelihood| over the requests. */
  largest: number;
  /** Median |Δ log-likelihood|. */
  median: number;
  /** Largest |Δ log-probability| of one continuation token. */
  largestToken: number;
  /** Requests whose experts differ in some layer (0 where neither run returned experts). */
  otherExperts: number;
}

/**
 * Compares two scorings of the same requests, in order.
 *
 * @example
 * ```ts
 * import { drift } from "./batch_drift.ts";
 * const timings = { promptMs: 0, selectionMs: 0, tokenMs: [], decodeMsPerToken: 0, tokensPerSecond: 0 };
 * const r = (ll: number) => ({ loglikelihood: ll, logprobs: [ll], greedy: false, experts: null, timings });
 * console.assert(drift([r(-1), r(-2)], [r(-1.5), r(-2)]).largest === 0.5);
 * ```
 */
export function drift(a: ScoreResult[], b: ScoreResult[]): BatchDrift {
  const gaps = a.map((r, i) => Math.abs(r.loglikelihood - b[i].loglikelihood)).sort((x, y) =>
    x - y
  );
  const tokens = a.flatMap((r, i) => r.logprobs.map((p, t) => Math.abs(p - b[i].logprobs[t])));
  const otherExperts =
    a.filter((r, i) => JSON.stringify(r.experts ?? null) !== JSON.stringify(b[i].experts ?? null))
      .length;
  return {
    largest: gaps.at(-1) ?? 0,
    median: gaps[Math.floor(gaps.length / 2)] ?? 0,
    largestToken: Math.max(0, ...tokens),
    otherExperts,
  };
}

/** `count` class requests of `context` + `continuation` ids spread over the vocabulary. */
export function driftRequests(
  count: number,
  context: number,
  continuation: number,
  vocab: number,
  density: number,
): ScoreRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const ids = Array.from(
      { length: context + continuation },
      (_, j) => 3 + (i * 7919 + j * 104729 + ((i * j) % 13) * 31) % (vocab - 3),
    );
    return {
      contextIds: ids.slice(0, context),
      continuationIds: ids.slice(context),
      mode: "class" as const,
      griffin: { density, method: "topk" as const, seed: 0 },
    };
  });
}

if (import.meta.main) {
  const [shape = "llama2-7b", count = "32", context = "200", continuation = "24", density = "1"] =
    Deno.args;
  const dtypes = (Deno.args[5] ?? "bf16,f32").split(",") as DType[];
  const device = Deno.env.get("GRIFFIN_DEVICE") ?? "cuda:0";
  const results = new Map<DType, { alone: ScoreResult[]; packed: ScoreResult[] }>();
  for (const dtype of dtypes) {
    const model = await openModel(`synthetic:${shape}`, { device, dtype });
    try {
      const requests = driftRequests(
        Number(count),
        Number(context),
        Number(continuation),
        model.info.vocabSize,
        Number(density),
      );
      const alone = requests.map((r) => scoreBatch(model.session, [r], { maxSequences: 1 })[0]);
      const packed = scoreBatch(model.session, requests, { maxSequences: 64 });
      const reversed = scoreBatch(model.session, requests.toReversed(), { maxSequences: 5 });
      results.set(dtype, { alone, packed });
      const d = drift(alone, packed), regrouped = drift(packed, reversed.toReversed());
      console.log(
        `${shape} ${dtype} d=${density}, ${count} × (${context} + ${continuation}) tokens, ` +
          `one per call against packed: log-likelihood |Δ| largest ${
            d.largest.toExponential(2)
          }, ` +
          `median ${d.median.toExponential(2)}; a token's largest ${
            d.largestToken.toExponential(2)
          }; other experts in ${d.otherExperts} of ${count}; packed against reversed in fives: ` +
          `largest ${
            regrouped.largest.toExponential(2)
          }, other experts in ${regrouped.otherExperts}`,
      );
    } finally {
      model.close();
    }
  }
  const reference = results.get("f32");
  for (const [dtype, r] of results) {
    if (!reference || dtype === "f32") continue;
    const [alone, packed] = [drift(r.alone, reference.alone), drift(r.packed, reference.alone)];
    console.log(
      `${dtype} against f32 (one per call): one per call largest ${
        alone.largest.toExponential(2)
      }` +
        ` (median ${alone.median.toExponential(2)}), packed largest ${
          packed.largest.toExponential(2)
        } (median ${packed.median.toExponential(2)})`,
    );
  }
}
