import assert from "node:assert/strict";
import { hellaswagPreprocess, loadChoices } from "./multiple_choice.ts";
import { jsonl, sharedFile, tempFile } from "./_shared.ts";

const o = { delimiter: " ", shots: 0, seed: 1234 };

Deno.test("query/choices rows join the query and each choice with the delimiter", async () => {
  const path = await tempFile(
    "q.jsonl",
    jsonl([{ query: "Q: sky?", choices: ["blue", "green"], gold: 0 }]),
  );
  const [d] = await loadChoices(path, { ...o, delimiter: "\nAnswer: " });
  assert.deepEqual(d.contexts, ["Q: sky?\nAnswer: ", "Q: sky?\nAnswer: "]);
  assert.deepEqual(d.continuations, ["blue", "green"]);
  assert.deepEqual(d.choiceTexts, ["blue", "green"]);
  assert.equal(d.gold, 0);
});

Deno.test("schema rows score the shared continuation after each context option", async () => {
  const path = await tempFile(
    "w.jsonl",
    jsonl([{ context_options: ["A so A", "A so B"], continuation: "won.", gold: 1 }]),
  );
  const [d] = await loadChoices(path, o);
  assert.deepEqual(d.contexts, ["A so A", "A so B"]);
  assert.deepEqual(d.continuations, [" won.", " won."]);
});

Deno.test("HellaSwag rows are preprocessed as lm-evaluation-harness does", async () => {
  const path = await tempFile(
    "h.jsonl",
    jsonl([{
      activity_label: "Baking cookies",
      ctx_a: "A woman mixes flour.",
      ctx_b: "she [title] ADDS sugar",
      endings: ["stirs it.  [step] Well", "leaves."],
      label: "0",
    }]),
  );
  const [d] = await loadChoices(path, o);
  assert.deepEqual(d.contexts[0], "Baking cookies: A woman mixes flour. She. adds sugar");
  // "it.  [step] Well" -> three spaces -> one replace pass of "  " leaves two, as Python does.
  assert.deepEqual(d.continuations, [" stirs it.  Well", " leaves."]);
  assert.equal(d.gold, 0);
  assert.equal(hellaswagPreprocess("  x [header] y  "), "x y");
});

Deno.test("few-shot examples are solved questions before the prompt, and bad gold is an error", async () => {
  const rows = [
    { query: "1+1=", choices: ["2", "3"], gold: 0 },
    { query: "2+2=", choices: ["5", "4"], gold: 1 },
  ];
  const [d] = await loadChoices(await tempFile("s.jsonl", jsonl(rows)), { ...o, shots: 1 });
  assert.equal(d.contexts[1], "2+2= 4\n\n1+1= ");
  const bad = await tempFile("b.jsonl", jsonl([{ query: "x", choices: ["a"], gold: 3 }]));
  await assert.rejects(() => loadChoices(bad, o), /row 1 has gold 3 outside its 1 choices/);
  const unknown = await tempFile("u.jsonl", jsonl([{ question: "x" }]));
  await assert.rejects(() => loadChoices(unknown, o), /not a known multiple-choice format/);
});

for (
  const name of [
    "boolq",
    "piqa",
    "copa",
    "arc_easy",
    "arc_challenge",
    "openbook_qa",
    "siqa",
    "winogrande",
  ]
) {
  const path = sharedFile(`tasks/mc/${name}.jsonl`);
  Deno.test({
    name: `the shared ${name} file loads with valid gold indices${
      path ? "" : " (skipped: ../shared/data absent)"
    }`,
    ignore: !path,
    fn: async () => {
      const docs = await loadChoices(path!, o);
      assert.ok(docs.length >= 100);
      for (const d of docs) assert.equal(d.contexts.length, d.continuations.length);
    },
  });
}
