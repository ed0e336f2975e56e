import assert from "node:assert/strict";
import { aggregateMetric, metricNames, metricSpec } from "./registry.ts";

Deno.test("means aggregate only the samples that carry the metric", () => {
  const got = aggregateMetric("acc", [{ acc: 1 }, { acc: 0 }, { f1: 1 }, { acc: 1 }]);
  assert.equal(got?.value, 2 / 3);
  assert.equal(got?.count, 3);
  assert.ok((got?.stderr ?? 0) > 0);
  assert.equal(aggregateMetric("rouge1", [{ acc: 1 }]), undefined);
});

Deno.test("token and word perplexity pool log-likelihoods before exponentiating", () => {
  const samples = [
    { loglikelihood: -4, tokens: 2, words: 1 },
    { loglikelihood: -2, tokens: 2, words: 1 },
  ];
  assert.ok(
    Math.abs(aggregateMetric("token_perplexity", samples)!.value - Math.exp(6 / 4)) < 1e-12,
  );
  assert.ok(Math.abs(aggregateMetric("word_perplexity", samples)!.value - Math.exp(3)) < 1e-12);
  assert.ok(Math.abs(aggregateMetric("perplexity", samples)!.value - Math.exp(3)) < 1e-12);
  assert.equal(metricSpec("perplexity").higherIsBetter, false);
});

Deno.test("agreement of identical models aggregates to zero KL and full agreement", () => {
  const samples = [{ agreement_kl: 0, agreement_top1: 1, agreement_rouge_l: 0.999999995 }];
  assert.equal(aggregateMetric("agreement_kl", samples)?.value, 0);
  assert.equal(aggregateMetric("agreement_top1", samples)?.value, 1);
  assert.equal(aggregateMetric("agreement_kl", samples)?.higherIsBetter, false);
});

Deno.test("an unknown metric name suggests the closest one", () => {
  assert.throws(() => metricSpec("rouge-l"), /Did you mean "rougeL"\?/);
  assert.ok(metricNames().length >= 15);
});
