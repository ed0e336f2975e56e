import assert from "node:assert/strict";
import { loadGsm8k } from "./gsm8k.ts";
import { jsonl, sharedFile, tempFile } from "./_shared.ts";

Deno.test("GSM8K prompts ask the question and solutions end with the marked answer", async () => {
  const path = await tempFile(
    "g.jsonl",
    jsonl([
      { context: "2+2?", chain_of_thought: "2+2=<<2+2=4>>4", answer: "4" },
      { context: "3*3?", chain_of_thought: "3*3=9", answer: "9" },
    ]),
  );
  const [d] = await loadGsm8k(path, { shots: 0, seed: 1 });
  assert.equal(d.prompt, "Question: 2+2?\nAnswer:");
  assert.equal(d.solution, " 2+2=<<2+2=4>>4\n#### 4");
  const [s] = await loadGsm8k(path, { shots: 1, seed: 1 });
  assert.equal(s.prompt, "Question: 3*3?\nAnswer: 3*3=9\n#### 9\n\nQuestion: 2+2?\nAnswer:");
  const bad = await tempFile("b.jsonl", jsonl([{ context: "x", answer: "1" }]));
  await assert.rejects(
    () => loadGsm8k(bad, { shots: 0, seed: 1 }),
    /needs field "chain_of_thought"/,
  );
});

const shared = sharedFile("tasks/gsm8k/gsm8k.jsonl");
Deno.test({
  name: `the shared GSM8K file loads 1319 problems${
    shared ? "" : " (skipped: ../shared/data absent)"
  }`,
  ignore: !shared,
  fn: async () => {
    const docs = await loadGsm8k(shared!, { shots: 0, seed: 1 });
    assert.equal(docs.length, 1319);
    assert.equal(docs[0].answer, "18");
  },
});
