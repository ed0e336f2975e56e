import assert from "node:assert/strict";
import { aggregateRows } from "./aggregate.ts";
import { qualityMatches, speedMatches } from "./claims.ts";
import { modelFacts } from "./model_facts.ts";
import { syntheticRecords } from "./testing/synthetic_store.ts";

const { jobs } = syntheticRecords();
const facts = new Map();
for (const job of jobs) facts.set(job.model.label, await modelFacts(job.model, []));
const rows = aggregateRows(jobs, facts);

Deno.test("the quality claim is matched per model and task by every method at density 0.5", () => {
  const matches = qualityMatches(rows);
  assert.equal(matches.length, 6);
  const xsum = matches.find((m) => m.model === "llama2-7b" && m.task === "xsum")!;
  assert.equal(xsum.metric, "rouge1");
  assert.deepEqual(xsum.methods.map((m) => m.method), ["topk", "sample", "magnitude"]);
  const topk = xsum.methods[0];
  assert.ok(topk.change < 0 && topk.zScore < -2);
});

Deno.test("the Llama 2 13B speed claim finds the 13B-shaped model only, and Gemma 7B finds none", () => {
  const [llama, gemma] = speedMatches(rows, facts);
  assert.equal(llama.claim.speedup, 1.25);
  assert.deepEqual(new Set(llama.rows.map((r) => r.model)), new Set(["llama2-13b"]));
  assert.ok(llama.rows.every((r) => r.density === 0.5 && r.decodeSpeedup! > 1));
  assert.equal(gemma.rows.length, 0);
});
