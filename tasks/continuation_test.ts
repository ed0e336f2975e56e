import assert from "node:assert/strict";
import { describeTask, runTask } from "./registry.ts";
import { fakeModel } from "./testing/fake_model.ts";
import { jsonl, tempFile } from "./formats/_shared.ts";
import type { SampleRecord } from "./types.ts";

const full = { density: 1, method: "topk" as const, seed: 0 };
const half = { density: 0.5, method: "topk" as const, seed: 0 };

const rows = [
  { context: "The cat sat on the", continuation: "mat and purred." },
  { context: "A dog ran", continuation: "to the park" },
  { context: "Third row", continuation: "is left out by the limit" },
];

Deno.test("continuation is a gen-mode task with ROUGE metrics and no default file", () => {
  const d = describeTask("continuation");
  assert.deepEqual(d.modes, ["gen"]);
  assert.deepEqual(d.metrics, ["rouge1", "rouge2", "rougeL"]);
  assert.equal(d.defaultPath, undefined);
});

Deno.test("continuation generates greedily from the context, cuts at a newline and scores ROUGE", async () => {
  const path = await tempFile("continuation.jsonl", jsonl(rows));
  const m = fakeModel({
    script: (p) => p === "The cat sat on the" ? " mat and purred.\nA new document" : " home",
  });
  const seen: SampleRecord[] = [];
  const r = await runTask(m, "continuation", { path, limit: 2 }, half, "gen", (s) => {
    seen.push(s);
  });
  assert.equal(r.samples, 2);
  assert.equal(m.generateCalls.length, 2);
  assert.ok(m.generateCalls.every((c) => c.sampling.greedy && c.maxNewTokens === 64));
  assert.deepEqual(m.generateCalls[0].stopStrings, ["\n"]);
  assert.equal(seen[0].output, "mat and purred.");
  assert.equal(seen[0].reference, "mat and purred.");
  assert.equal(seen[0].metrics.rougeL, seen[0].metrics.rouge1);
  assert.ok(seen[0].metrics.rougeL > 0.99);
  assert.equal(seen[1].metrics.rouge1, 0); // "home" against "to the park"
  assert.ok(Math.abs(r.metrics.rougeL.value - seen[0].metrics.rougeL / 2) < 1e-12);
});

Deno.test("continuation takes maxNewTokens and sampling options, and gen mode only", async () => {
  const path = await tempFile("continuation.jsonl", jsonl(rows));
  const m = fakeModel();
  await runTask(m, "continuation", { path, limit: 1, maxNewTokens: 8, greedy: false }, half, "gen");
  assert.equal(m.generateCalls[0].maxNewTokens, 8);
  assert.equal(m.generateCalls[0].sampling.greedy, false);
  await assert.rejects(
    () => runTask(fakeModel(), "continuation", { path }, half, "class"),
    /runs in gen mode, not "class"/,
  );
  await assert.rejects(
    () => runTask(fakeModel(), "continuation", { path, shots: 1 }, half, "gen"),
    /"shots" .* does not apply/,
  );
});

Deno.test("continuation agreement is exact for the full model and teacher-forces the reference", async () => {
  const path = await tempFile("continuation.jsonl", jsonl(rows));
  const same = await runTask(
    fakeModel(),
    "continuation",
    { path, limit: 2, agreement: true, maxNewTokens: 12 },
    full,
    "gen",
  );
  assert.equal(same.metrics.agreement_rouge_l.value, 1);
  assert.equal(same.metrics.agreement_kl.value, 0);
  assert.equal(same.metrics.agreement_top1.value, 1);
  const m = fakeModel();
  const diff = await runTask(
    m,
    "continuation",
    { path, limit: 2, agreement: true, maxNewTokens: 12 },
    half,
    "gen",
  );
  assert.ok(diff.metrics.agreement_kl.value > 0);
  // The teacher-forced continuation is the reference with the space the loader puts before it.
  assert.ok(
    m.scoreCalls.some((c) => m.decode(c.continuationIds) === " mat and purred."),
  );
});
