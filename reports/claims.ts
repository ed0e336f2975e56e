/**
 * The paper's headline claims (GRIFFIN.md, "Headline claims") and this sweep's rows that match
 * their settings: quality at 50% density against the full model, and decode speed-up at 50% on
 * Llama 2 13B and Gemma 7B shapes.
 *
 * @module
 */
import type { MetricValue } from "../bench/records.ts";
import { type AggregateRow, type MethodLabel, taskMetricNames } from "./aggregate.ts";
import type { ModelFacts, ModelShape } from "./model_facts.ts";

/** The density the paper's claims are made at. */
export const CLAIM_DENSITY = 0.5;

/** A speed claim of the paper. */
export interface PaperSpeedClaim {
  /** The model, as the paper names it. */
  model: string;
  /** Decode speed-up at 50% density the paper reports. */
  speedup: number;
  /** The GPU the paper measured on. */
  device: string;
  /** The shape that identifies the model (layers, d_model, d_ff). */
  shape: Pick<ModelShape, "layers" | "hiddenSize" | "ffSize">;
}

/** The paper's speed claims. */
export const PAPER_SPEED_CLAIMS: readonly PaperSpeedClaim[] = [
  {
    model: "Llama 2 13B",
    speedup: 1.25,
    device: "NVIDIA L40",
    shape: { layers: 40, hiddenSize: 5120, ffSize: 13824 },
  },
  {
    model: "Gemma 7B",
    speedup: 1.29,
    device: "NVIDIA L40",
    shape: { layers: 28, hiddenSize: 3072, ffSize: 24576 },
  },
];

/** The paper's quality claim, in its words. */
export const PAPER_QUALITY_CLAIM =
  "50% of FF parameters with little or no quality loss (GRIFFIN at density 0.5 against the full model)";

/** One method at 50% density beside the full model, on a task's headline metric. */
export interface QualityMatch {
  /** Model label. */
  model: string;
  /** Task name. */
  task: string;
  /** The headline metric's name. */
  metric: string;
  /** The full model. */
  full: MetricValue;
  /** Methods at density 0.5. */
  methods: { method: MethodLabel; value: MetricValue; change: number; zScore: number }[];
}

/** This sweep's measurement beside one speed claim. */
export interface SpeedMatch {
  /** The claim. */
  claim: PaperSpeedClaim;
  /** Rows of matching models at density 0.5 with a decode speed-up (empty: not in this sweep). */
  rows: AggregateRow[];
}

/** Matches the quality claim: every model × task with a full row and rows at density 0.5. */
export function qualityMatches(rows: readonly AggregateRow[]): QualityMatch[] {
  const out: QualityMatch[] = [];
  for (const full of rows.filter((r) => r.method === "full")) {
    const metric = taskMetricNames(rows, full.task)[0];
    const reference = full.metrics[metric];
    if (!reference) continue;
    const methods = rows
      .filter((r) =>
        r.model === full.model && r.task === full.task && r.mode === full.mode &&
        r.device === full.device && r.density === CLAIM_DENSITY && r.metrics[metric]
      )
      .map((r) => {
        const value = r.metrics[metric];
        const diff = value.value - reference.value;
        const se = Math.hypot(value.stderr, reference.stderr);
        return {
          method: r.method,
          value,
          change: reference.value === 0 ? NaN : diff / Math.abs(reference.value),
          zScore: se > 0 ? diff / se : NaN,
        };
      });
    if (methods.length > 0) {
      out.push({ model: full.model, task: full.task, metric, full: reference, methods });
    }
  }
  return out;
}

/** Matches the speed claims: models of the claimed shape at density 0.5 with decode timings. */
export function speedMatches(
  rows: readonly AggregateRow[],
  facts: ReadonlyMap<string, ModelFacts>,
): SpeedMatch[] {
  return PAPER_SPEED_CLAIMS.map((claim) => ({
    claim,
    rows: rows.filter((r) => {
      const shape = facts.get(r.model)?.shape;
      return shape !== undefined && shape.layers === claim.shape.layers &&
        shape.hiddenSize === claim.shape.hiddenSize && shape.ffSize === claim.shape.ffSize &&
        r.density === CLAIM_DENSITY && r.decodeSpeedup !== null;
    }),
  }));
}
