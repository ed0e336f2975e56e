/**
 * The one registry of aggregate metrics: how per-sample values become a task's number, and
 * whether higher is better. Every aggregate gets a bootstrap standard error.
 *
 * @module
 */

import { unknownNameMessage } from "../did_you_mean.ts";
import { bootstrapStderr } from "./bootstrap.ts";

/** Per-sample values, as in a sample record's `metrics`. */
export type SampleMetrics = Record<string, number>;

/** How one metric is aggregated over samples. */
export interface MetricSpec {
  /** The metric's name, as reported. */
  name: string;
  /** One line: what it measures. */
  description: string;
  /** Whether a larger value is better. */
  higherIsBetter: boolean;
  /** Per-sample keys the aggregate reads; samples lacking the first one are left out. */
  keys: string[];
  /** The aggregate over samples that carry the keys. */
  aggregate(samples: SampleMetrics[]): number;
}

const sum = (samples: SampleMetrics[], key: string) => samples.reduce((a, s) => a + s[key], 0);

function mean(name: string, description: string, higherIsBetter = true): MetricSpec {
  return {
    name,
    description,
    higherIsBetter,
    keys: [name],
    aggregate: (samples) => sum(samples, name) / samples.length,
  };
}

function perplexity(name: string, description: string, countKey?: string): MetricSpec {
  return {
    name,
    description,
    higherIsBetter: false,
    keys: countKey ? ["loglikelihood", countKey] : ["loglikelihood"],
    aggregate: (samples) =>
      Math.exp(
        -sum(samples, "loglikelihood") / (countKey ? sum(samples, countKey) : samples.length),
      ),
  };
}

const SPECS: MetricSpec[] = [
  mean("rouge1", "ROUGE-1 F-score, Python `rouge` package rules"),
  mean("rouge2", "ROUGE-2 F-score, Python `rouge` package rules"),
  mean("rougeL", "ROUGE-L (summary level) F-score, Python `rouge` package rules"),
  mean("acc", "accuracy: the choice with the largest log-likelihood is the gold one"),
  mean("acc_norm", "accuracy with log-likelihoods divided by the choice's characters"),
  mean("f1", "SQuAD token F1 (CoQA: leave-one-out over gold answers)"),
  mean("em", "SQuAD exact match (CoQA: leave-one-out over gold answers)"),
  mean("exact_match", "the output's final number equals the answer"),
  perplexity(
    "perplexity",
    "exp(−mean log-likelihood of the last word): word-level, one word a sample",
  ),
  perplexity("token_perplexity", "exp(−Σ log-likelihood / Σ scored tokens)", "tokens"),
  perplexity("word_perplexity", "exp(−Σ log-likelihood / Σ whitespace words scored)", "words"),
  mean("agreement_rouge_l", "ROUGE-L F between GRIFFIN's and the full model's outputs"),
  mean("agreement_kl", "mean KL(full ‖ GRIFFIN) per teacher-forced reference token, nats", false),
  mean("agreement_top1", "fraction of reference tokens where both models' arg-max agree"),
  mean("agreement_acc", "fraction of questions where both models pick the same choice"),
];

const REGISTRY = new Map(SPECS.map((s) => [s.name, s]));

/**
 * The spec of a metric; an unknown name throws with a suggestion.
 *
 * @example
 * ```ts
 * import { metricSpec } from "./registry.ts";
 * metricSpec("acc").higherIsBetter; // true
 * ```
 */
export function metricSpec(name: string): MetricSpec {
  const spec = REGISTRY.get(name);
  if (!spec) throw new Error(unknownNameMessage("metric", name, [...REGISTRY.keys()]));
  return spec;
}

/**
 * All metric names.
 *
 * @example
 * ```ts
 * import { metricNames } from "./registry.ts";
 * metricNames().includes("rougeL"); // true
 * ```
 */
export function metricNames(): string[] {
  return [...REGISTRY.keys()];
}

/** An aggregate with its bootstrap standard error. */
export interface AggregateValue {
  /** The aggregate over the samples that carry the metric. */
  value: number;
  /** Bootstrap standard error. */
  stderr: number;
  /** Whether a larger value is better. */
  higherIsBetter: boolean;
  /** How many samples carried it. */
  count: number;
}

/**
 * Aggregates one metric over sample records, or undefined when no sample carries it.
 *
 * @example
 * ```ts
 * import { aggregateMetric } from "./registry.ts";
 * aggregateMetric("acc", [{ acc: 1 }, { acc: 0 }])?.value; // 0.5
 * ```
 */
export function aggregateMetric(
  name: string,
  samples: SampleMetrics[],
  options: { iterations?: number; seed?: number } = {},
): AggregateValue | undefined {
  const spec = metricSpec(name);
  const carried = samples.filter((s) => spec.keys.every((k) => typeof s[k] === "number"));
  if (carried.length === 0) return undefined;
  return {
    value: spec.aggregate(carried),
    stderr: bootstrapStderr(carried, spec.aggregate, options),
    higherIsBetter: spec.higherIsBetter,
    count: carried.length,
  };
}
