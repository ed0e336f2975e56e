import assert from "node:assert/strict";
import { runTask, taskRequests } from "./registry.ts";
import { loadChoices } from "./formats/multiple_choice.ts";
import { choiceScores } from "./metrics/choice.ts";
import { fakeModel } from "./testing/fake_model.ts";
import type { SampleRecord } from "./types.ts";

const fixture = (name: string) => new URL(`../testdata/tasks/${name}`, import.meta.url).pathname;
const half = { density: 0.5, method: "topk" as const, seed: 0 };

Deno.test("acc_norm divides by the choice's own characters (HellaSwag: the preprocessed ending, no joining space)", async () => {
  const { docs } = await loadChoices(fixture("hellaswag.jsonl"), {
    task: "hellaswag",
    delimiter: " ",
    shots: 0,
    seed: 1,
  });
  const d = docs[1]; // choices of 29 and 22 characters; continuations of 30 and 23
  assert.deepEqual(d.choiceTexts.map((c) => [...c].length), [29, 22]);
  // -29/29 = -1 beats -22.1/22 ≈ -1.0045; divided by the continuations' lengths it would lose.
  assert.deepEqual(choiceScores([-29, -22.1], d.choiceTexts, d.gold), {
    acc: 0,
    acc_norm: 1,
    predicted: 1,
  });
});

Deno.test("CoQA: 256 new tokens until '\\nQ:', first line of the stripped output, leave-one-out F1 and EM over the golds", async () => {
  const m = fakeModel({ maxPositions: 1024, script: () => "  white\nmore\nQ: next" });
  const seen: SampleRecord[] = [];
  const r = await runTask(m, "coqa", { path: fixture("coqa.jsonl") }, half, "gen", (s) => {
    seen.push(s);
  });
  assert.equal(m.generateCalls[0].maxNewTokens, 256);
  assert.deepEqual(m.generateCalls[0].stopStrings, ["\nQ:"]);
  assert.equal(m.generateCalls[0].sampling.greedy, true);
  assert.equal(seen[0].output, "white");
  // golds "white", "a white one": leaving out each in turn gives EM 0 then 1, F1 2/3 then 1.
  assert.equal(seen[0].metrics.em, 0.5);
  assert.ok(Math.abs(seen[0].metrics.f1 - 5 / 6) < 1e-12);
  assert.equal(r.rendering, "lm-evaluation-harness v0.3 (the paper's), from the dataset's fields");
  assert.deepEqual(seen[1].requests, [{
    context: "Tom ran to the store.\n\nQ: Who ran?\n\nA:",
    until: ["\nQ:"],
  }]);
});

Deno.test("CoQA keeps the last tokens of an over-long prompt, as lm-evaluation-harness v0.3 does", async () => {
  const m = fakeModel({ maxPositions: 300 });
  const r = await runTask(m, "coqa", { path: fixture("coqa.jsonl") }, half, "gen");
  assert.equal(r.skipped, 0);
  assert.equal(m.generateCalls[0].promptIds.length, 300 - 256);
  const prompt =
    "Lily had a white cat.\n\n\nQ: Who had a cat?\n\nA: Lily\n\nQ: What colour was it?\n\nA:";
  assert.deepEqual(m.generateCalls[0].promptIds, m.encode(prompt).slice(-44));
});

Deno.test("samples record every choice's request and the rendering; aliases run the same task", async () => {
  const seen: SampleRecord[] = [];
  const r = await runTask(
    fakeModel(),
    "openbook_qa",
    { path: fixture("openbookqa.jsonl"), limit: 1 },
    half,
    "class",
    (s) => void seen.push(s),
  );
  assert.equal(r.task, "openbook_qa");
  assert.ok("acc_norm" in r.metrics);
  assert.deepEqual(
    seen[0].requests!.map(({ context, continuation }) => ({ context, continuation })),
    [
      { context: "The sun is responsible for ", continuation: " puppies learning new tricks" },
      {
        context: "The sun is responsible for ",
        continuation: " plants sprouting, blooming and wilting",
      },
    ],
  );
  assert.ok(
    seen[0].requests!.every((q) => Number.isFinite(q.loglikelihood) && q.loglikelihood! < 0),
  );
  const listed = await taskRequests("openbook_qa", {
    path: fixture("openbookqa.jsonl"),
    limit: 1,
  });
  assert.deepEqual(
    listed.requests.map((q) => "continuation" in q && q.continuation),
    seen[0].requests!.map((q) => q.continuation),
  );
});

Deno.test("boolq, copa and winogrande report acc only", async () => {
  for (
    const [task, file] of [["boolq", "boolq.jsonl"], ["copa", "copa.jsonl"], [
      "winogrande",
      "winogrande.jsonl",
    ]]
  ) {
    const r = await runTask(fakeModel(), task, { path: fixture(file) }, half, "class");
    assert.deepEqual(Object.keys(r.metrics), ["acc"], task);
  }
});

Deno.test("generation tasks list their prompts and stop strings; perplexity tasks cannot list requests", async () => {
  const { writeTextFile, makeTempFile } = Deno;
  const path = await makeTempFile({ suffix: ".jsonl" });
  await writeTextFile(
    path,
    JSON.stringify({ context: "2+2?", chain_of_thought: "4", answer: "4" }),
  );
  const { requests } = await taskRequests("gsm8k", { path });
  assert.deepEqual(requests, [{
    doc: "0",
    context: "Question: 2+2?\nAnswer:",
    until: ["Question:"],
  }]);
  await assert.rejects(
    () => taskRequests("wikitext2", {}),
    {
      name: "TaskInputError",
      message: /Task "wikitext2" cannot list its requests without a model/,
    },
  );
});

Deno.test("a multiple-choice request longer than the model keeps its last tokens instead of being skipped", async () => {
  const m = fakeModel({ maxPositions: 64 });
  const r = await runTask(m, "boolq", { path: fixture("boolq.jsonl") }, half, "class");
  assert.equal(r.skipped, 0);
  assert.equal(r.samples, 2);
  for (const call of m.scoreCalls) {
    assert.equal(call.contextIds.length + call.continuationIds.length, 65);
  }
  const ctx = "Sky -- The sky is blue on a clear day.\nQuestion: is the sky blue?\nAnswer:";
  assert.deepEqual(m.scoreCalls[0].contextIds, m.encode(ctx).slice(-(65 - 4)));
});
