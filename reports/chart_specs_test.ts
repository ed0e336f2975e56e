import assert from "node:assert/strict";
import { aggregateRows } from "./aggregate.ts";
import { paretoCharts, qualityCharts, speedCharts, STYLE_INDEX } from "./chart_specs.ts";
import { modelFacts } from "./model_facts.ts";
import { syntheticRecords } from "./testing/synthetic_store.ts";

const { jobs } = syntheticRecords({ failed: true });
const facts = new Map();
for (const job of jobs) facts.set(job.model.label, await modelFacts(job.model, []));
const rows = aggregateRows(jobs, facts);

Deno.test("there is a quality chart per model and task, with the full model, its line and one series per method", () => {
  const charts = qualityCharts(rows);
  assert.equal(charts.length, 6);
  const chart = charts.find((c) => c.id === "quality-llama2-13b-xsum")!;
  assert.deepEqual(chart.series.map((s) => s.style), [
    STYLE_INDEX.full,
    STYLE_INDEX.reference,
    STYLE_INDEX.topk,
    STYLE_INDEX.sample,
    STYLE_INDEX.magnitude,
  ]);
  const topk = chart.series[2];
  assert.deepEqual(topk.points.map((p) => p.x), [0.25, 0.5, 0.75]);
  assert.ok(topk.points.every((p) => p.se === 0.012 / Math.SQRT2));
  assert.match(chart.yLabel, /rouge1 \(higher is better\)/);
});

Deno.test("speed charts use the generation task and include the roofline ceiling and percent on an H200", () => {
  const charts = speedCharts(rows);
  assert.equal(charts.length, 3 * 4);
  assert.ok(charts.every((c) => c.title.includes("xsum")));
  const speedup = charts.find((c) => c.id === "speed-up-llama2-7b-xsum")!;
  const ceiling = speedup.series.find((s) => s.style === STYLE_INDEX.ceiling)!;
  assert.deepEqual(ceiling.points.map((p) => p.x), [0.25, 0.5, 0.75, 1]);
  assert.equal(ceiling.points[3].y, 1);
});

Deno.test("Pareto charts borrow the generation task's speed for a classification task and say so", () => {
  const charts = paretoCharts(rows);
  assert.equal(charts.length, 6);
  const boolq = charts.find((c) => c.id === "pareto-llama2-13b-boolq")!;
  assert.match(boolq.note ?? "", /measured on xsum/);
  const front = boolq.series.find((s) => s.label === "Pareto front")!;
  assert.ok(front.points.length >= 2);
  assert.equal(front.points[0].x, 1); // the full model is the slowest point of the front
});

Deno.test("a perplexity spanning decades gets a log axis", () => {
  const perplexity = rows.filter((r) => r.task === "xsum" && r.model === "llama2-7b").map((r) => ({
    ...r,
    task: "ppl",
    metrics: { ppl: { value: 10 ** (4 * (1 - r.density)) * 5, stderr: 1, higherIsBetter: false } },
  }));
  const [chart] = qualityCharts(perplexity);
  assert.equal(chart.yLog, true);
  assert.match(chart.yLabel, /lower is better/);
});
