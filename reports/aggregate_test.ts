import assert from "node:assert/strict";
import { aggregateRows, poolMetric } from "./aggregate.ts";
import { modelFacts } from "./model_facts.ts";
import { syntheticRecords } from "./testing/synthetic_store.ts";

async function rowsOf(failed: boolean) {
  const { jobs } = syntheticRecords({ failed });
  const facts = new Map();
  for (const job of jobs) facts.set(job.model.label, await modelFacts(job.model, []));
  return { jobs, rows: aggregateRows(jobs, facts) };
}

Deno.test("aggregation pools repeats into one row per setting and calls density 1 the full model", async () => {
  const { jobs, rows } = await rowsOf(false);
  // 3 models × 2 tasks × (1 full + 2 at 0.75 + 3 at 0.5 + 2 at 0.25) settings, 2 repeats each
  assert.equal(rows.length, 3 * 2 * 8);
  assert.equal(jobs.length, rows.length * 2);
  assert.ok(rows.every((r) => r.jobs === 2 && r.ok === 2));
  assert.deepEqual(
    new Set(rows.filter((r) => r.density === 1).map((r) => r.method)),
    new Set(["full"]),
  );
});

Deno.test("speed-up over full is tokens/s over the full model's, and the full model's is 1", async () => {
  const { rows } = await rowsOf(false);
  const of = (density: number, method: string) =>
    rows.find((r) =>
      r.model === "llama2-13b" && r.task === "xsum" && r.density === density && r.method === method
    )!;
  const full = of(1, "full"), half = of(0.5, "topk");
  assert.equal(full.decodeSpeedup, 1);
  assert.ok(Math.abs(half.decodeSpeedup! - half.tokensPerSecond! / full.tokensPerSecond!) < 1e-12);
  assert.ok(half.rooflineSpeedup! > 1.4 && half.rooflineSpeedup! < 1.5);
  assert.ok(half.rooflinePercent! > 60 && half.rooflinePercent! < 75); // the store runs at ~70%
});

Deno.test("a classification task has no decode timings, so no speed-up or roofline", async () => {
  const { rows } = await rowsOf(false);
  const boolq = rows.filter((r) => r.task === "boolq");
  assert.ok(boolq.every((r) => r.tokensPerSecond === null && r.decodeSpeedup === null));
  assert.ok(boolq.every((r) => r.rooflinePercent === null && r.promptMs !== null));
});

Deno.test("a failed repeat is counted and its empty metrics and zero timings are left out", async () => {
  const { rows } = await rowsOf(true);
  const row = rows.find((r) =>
    r.model === "mistral-7b" && r.task === "xsum" && r.method === "sample" && r.density === 0.25
  )!;
  assert.equal(row.failed, 1);
  assert.equal(row.ok, 1);
  assert.ok(row.tokensPerSecond! > 0);
  assert.equal(row.metrics.rouge1.stderr, 0.012); // one repeat's stderr, not halved
});

Deno.test("pooling repeats averages values and combines their standard errors", () => {
  const pooled = poolMetric([
    { value: 1, stderr: 0.3, higherIsBetter: true },
    { value: 3, stderr: 0.4, higherIsBetter: true },
  ]);
  assert.equal(pooled.value, 2);
  assert.ok(Math.abs(pooled.stderr - 0.25) < 1e-12);
  const noErrors = poolMetric([
    { value: 1, stderr: 0, higherIsBetter: false },
    { value: 3, stderr: 0, higherIsBetter: false },
  ]);
  assert.equal(noErrors.stderr, 1); // the spread of the repeats: sd √2 over √2
});

Deno.test("samples decoded together (batch.generation) keep their metrics but give no speeds", async () => {
  const { jobs } = syntheticRecords({ failed: false });
  const batched = jobs.map((job) =>
    job.task.name === "xsum"
      ? { ...job, timings: { ...job.timings, batchedGeneration: true } }
      : job
  );
  const facts = new Map();
  for (const job of batched) facts.set(job.model.label, await modelFacts(job.model, []));
  const rows = aggregateRows(batched, facts).filter((r) => r.task === "xsum");
  assert.ok(rows.length > 0);
  assert.ok(rows.every((r) => r.tokensPerSecond === null && r.decodeSpeedup === null));
  assert.ok(rows.every((r) => Object.keys(r.metrics).length > 0 && r.promptMs !== null));
});
