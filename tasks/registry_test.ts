import assert from "node:assert/strict";
import { describeTask, runTask, taskNames } from "./registry.ts";
import { fakeModel } from "./testing/fake_model.ts";
import { jsonl, tempFile } from "./formats/_shared.ts";
import type { SampleRecord } from "./types.ts";

const full = { density: 1, method: "topk" as const, seed: 0 };
const half = { density: 0.5, method: "topk" as const, seed: 0 };

Deno.test("every task describes itself with modes, a version and registered metrics", () => {
  assert.ok(taskNames().length >= 18);
  for (const name of taskNames()) {
    const d = describeTask(name);
    assert.ok(d.name === name || d.aliases.includes(name), name);
    assert.ok(d.modes.length > 0 && d.metrics.length > 0 && d.version !== "");
  }
  assert.deepEqual(describeTask("xsum").modes, ["gen"]);
  assert.deepEqual(describeTask("boolq").modes, ["class", "gen"]);
  assert.equal(describeTask("xsum").defaultPath, "tasks/xsum/xsum_1shot.jsonl");
  assert.equal(describeTask("openbook_qa").name, "openbookqa");
  assert.deepEqual(describeTask("boolq").metrics, ["acc"]);
  assert.deepEqual(describeTask("piqa").metrics, ["acc", "acc_norm"]);
});

Deno.test("unknown tasks, bad options, wrong modes and missing files are clear errors", async () => {
  const m = fakeModel();
  await assert.rejects(
    () => runTask(m, "xsun", {}, full, "gen"),
    /Unknown task "xsun"\. Did you mean "xsum"\?/,
  );
  await assert.rejects(() => runTask(m, "copa", { limit: -1 }, full, "class"), /Option "limit"/);
  await assert.rejects(
    () => runTask(m, "copa", { compat: "reference" }, full, "class"),
    /"compat" .* does not apply/,
  );
  await assert.rejects(
    () => runTask(m, "xsum", {}, full, "class"),
    /runs in gen mode, not "class"/,
  );
  await assert.rejects(() => runTask(m, "perplexity", {}, full, "gen"), /no default data file/);
  await assert.rejects(
    () => runTask(m, "copa", { path: "/nonexistent/copa.jsonl" }, full, "class"),
    /not found at \/nonexistent/,
  );
});

Deno.test("summarisation cuts at ###, scores ROUGE, skips long prompts and counts them", async () => {
  const path = await tempFile(
    "s.jsonl",
    jsonl([
      { article: "P1", summary_gt: "Lily saw a cat." },
      { article: "P2", summary_gt: "Tom ran home." },
      { article: "x".repeat(200), summary_gt: "too long" },
    ]),
  );
  const m = fakeModel({
    script: (p) => p === "P1" ? "Lily saw a cat.\n###\nArticle: more" : "Tom",
  });
  const seen: SampleRecord[] = [];
  const r = await runTask(m, "xsum", { path }, half, "gen", (s) => void seen.push(s));
  assert.equal(r.samples, 2);
  assert.equal(r.skipped, 1); // 200 > 256 - 128
  assert.equal(seen[0].output, "Lily saw a cat.\n");
  // The "\n" after the dot is an empty sentence, so an empty word: p = 4/5, r = 1 (package rules).
  assert.ok(Math.abs(seen[0].metrics.rougeL - 2 * (0.8 / (1.8 + 1e-8))) < 1e-12);
  assert.ok(
    Math.abs(r.metrics.rouge1.value - (seen[0].metrics.rouge1 + seen[1].metrics.rouge1) / 2) <
      1e-12,
  );
  assert.ok(r.metrics.rouge1.stderr > 0 && r.metrics.rouge1.higherIsBetter);
  assert.deepEqual(m.generateCalls[0].stopStrings, ["###"]);
  assert.equal(m.generateCalls[0].maxNewTokens, 128);
  assert.deepEqual(m.generateCalls[0].sampling, {
    greedy: false,
    temperature: 0.3,
    topP: 1,
    topK: 0,
    seed: 42,
  });
  assert.ok(r.timings.generatedTokens > 0 && r.timings.tokensPerSecond > 0);
});

Deno.test("reference compat drops the last character when ### is absent", async () => {
  const path = await tempFile("s.jsonl", jsonl([{ article: "P", summary_gt: "Tom ran home." }]));
  const m = fakeModel({ script: () => "Tom ran home." });
  const seen: SampleRecord[] = [];
  await runTask(
    m,
    "xsum",
    { path, compat: "reference", greedy: true },
    full,
    "gen",
    (s) => void seen.push(s),
  );
  assert.equal(seen[0].output, "Tom ran home");
  assert.deepEqual(m.generateCalls[0].stopStrings, []);
  assert.equal(m.generateCalls[0].sampling.greedy, true);
  const empty = fakeModel({ script: () => "" });
  await assert.rejects(
    () => runTask(empty, "xsum", { path, compat: "reference" }, full, "gen"),
    /refuses an empty hypothesis/,
  );
  const r = await runTask(empty, "xsum", { path }, full, "gen");
  assert.equal(r.metrics.rougeL.value, 0);
});

Deno.test("agreement is zero KL and full agreement when GRIFFIN is the full model, and not at density 0.5", async () => {
  const path = await tempFile(
    "s.jsonl",
    jsonl([{ article: "Once upon a time", summary_gt: " there was a cat." }]),
  );
  const same = await runTask(
    fakeModel(),
    "xsum",
    { path, agreement: true, maxNewTokens: 16 },
    full,
    "gen",
  );
  assert.equal(same.metrics.agreement_kl.value, 0);
  assert.equal(same.metrics.agreement_top1.value, 1);
  assert.equal(same.metrics.agreement_rouge_l.value, 1);
  assert.equal(same.metrics.agreement_kl.higherIsBetter, false);
  const diff = await runTask(
    fakeModel(),
    "xsum",
    { path, agreement: true, maxNewTokens: 16 },
    half,
    "gen",
  );
  assert.ok(diff.metrics.agreement_kl.value > 0);
});

Deno.test("multiple choice scores every choice in the requested mode and matches acc by hand", async () => {
  const rows = [
    { query: "The sky is", choices: ["blue.", "made of cheese and more."], gold: 0 },
    { query: "Cats say", choices: ["meow", "woof"], gold: 1 },
  ];
  const path = await tempFile("c.jsonl", jsonl(rows));
  const m = fakeModel();
  const seen: SampleRecord[] = [];
  const r = await runTask(
    m,
    "piqa",
    { path, agreement: true },
    half,
    "class",
    (s) => void seen.push(s),
  );
  assert.equal(r.samples, 2);
  assert.equal(
    m.scoreCalls.filter((c) => c.griffin.density === 0.5 && !c.keepDistributions).length,
    4,
  );
  assert.ok(m.scoreCalls.every((c) => c.mode === "class"));
  // Recompute sample 0's acc from the engine's own log-likelihoods.
  const ll = [0, 1].map((i) => m.score({ ...m.scoreCalls[i], griffin: half }).loglikelihood);
  assert.equal(seen[0].metrics.acc, (ll[0] >= ll[1] ? 0 : 1) === 0 ? 1 : 0);
  assert.ok("acc_norm" in r.metrics && "agreement_acc" in r.metrics);
  assert.equal(r.rendering, 'llm-foundry query/choices/gold, delimiter "\\nAnswer: "');
  // each request's record keeps the engine's answer: its log-likelihood and greedy flag
  const greedy = [0, 1].map((i) => m.score({ ...m.scoreCalls[i], griffin: half }).greedy);
  assert.deepEqual(seen[0].requests, [
    {
      context: "The sky is\nAnswer: ",
      continuation: "blue.",
      loglikelihood: ll[0],
      greedy: greedy[0],
    },
    {
      context: "The sky is\nAnswer: ",
      continuation: "made of cheese and more.",
      loglikelihood: ll[1],
      greedy: greedy[1],
    },
  ]);
  const copa = await runTask(fakeModel(), "copa", { path }, half, "class");
  assert.ok(!("acc_norm" in copa.metrics)); // the paper's code has no acc_norm for COPA
  const g = await runTask(fakeModel(), "copa", { path }, half, "gen");
  assert.equal(g.mode, "gen");
});

Deno.test("CoQA, GSM8K, LAMBADA and perplexity run end to end on written files", async () => {
  const coqaPath = await tempFile(
    "coqa.json",
    JSON.stringify({
      data: [{
        story: "Lily had a cat.",
        questions: [{ input_text: "Who?" }],
        answers: [{ input_text: "Lily" }],
      }],
    }),
  );
  const coqa = await runTask(
    fakeModel({ script: () => " Lily\nQ: next" }),
    "coqa",
    { path: coqaPath, maxNewTokens: 32 },
    half,
    "gen",
  );
  assert.equal(coqa.metrics.f1.value, 1);
  assert.equal(coqa.metrics.em.value, 1);
  const gsmPath = await tempFile(
    "g.jsonl",
    jsonl([{ context: "2+2?", chain_of_thought: "2+2=4", answer: "4" }]),
  );
  const gsm = await runTask(
    fakeModel({ script: () => " 2+2=4\n#### 4" }),
    "gsm8k",
    { path: gsmPath, maxNewTokens: 32 },
    half,
    "gen",
  );
  assert.equal(gsm.metrics.exact_match.value, 1);
  const lamPath = await tempFile(
    "l.jsonl",
    jsonl([{ context: "The cat sat on the", continuation: "mat" }, {
      context: "A dog",
      continuation: "ran",
    }]),
  );
  const lam = await runTask(fakeModel(), "lambada_openai", { path: lamPath }, half, "class");
  assert.ok(lam.metrics.perplexity.value > 1 && !lam.metrics.perplexity.higherIsBetter);
  const textPath = await tempFile(
    "t.txt",
    "the cat sat on the mat and the dog ran far away. ".repeat(20),
  );
  const seen: SampleRecord[] = [];
  const ppl = await runTask(
    fakeModel(),
    "perplexity",
    { path: textPath, windowTokens: 64, promptTokens: 32, limit: 3, agreement: true },
    half,
    "gen",
    (s) => void seen.push(s),
  );
  assert.equal(ppl.samples, 3);
  const nll = seen.reduce((a, s) => a + s.metrics.loglikelihood, 0);
  assert.ok(Math.abs(ppl.metrics.token_perplexity.value - Math.exp(-nll / (3 * 32))) < 1e-9);
  assert.ok(ppl.metrics.word_perplexity.value > ppl.metrics.token_perplexity.value);
  assert.ok(ppl.metrics.agreement_kl.value > 0 && ppl.metrics.agreement_top1.value <= 1);
  await assert.rejects(
    () => runTask(fakeModel(), "perplexity", { path: textPath, windowTokens: 999 }, half, "gen"),
    /"windowTokens".*exceeds/,
  );
});
