import assert from "node:assert/strict";
import { loadChoices } from "./multiple_choice.ts";
import { jsonl, sharedFile, tempFile } from "./_shared.ts";

const o = { task: "copa", delimiter: " ", shots: 0, seed: 1234 };
const fixture = (name: string) => new URL(`../../testdata/tasks/${name}`, import.meta.url).pathname;

Deno.test("llm-foundry query/choices rows join the query and each choice with the delimiter", async () => {
  const path = await tempFile(
    "q.jsonl",
    jsonl([{ query: "Q: sky?", choices: ["blue", "green"], gold: 0 }]),
  );
  const { rendering, format, docs: [d] } = await loadChoices(path, {
    ...o,
    task: "piqa",
    delimiter: "\nAnswer: ",
  });
  assert.equal(format, "llm-foundry");
  assert.equal(rendering, 'llm-foundry query/choices/gold, delimiter "\\nAnswer: "');
  assert.deepEqual(d.contexts, ["Q: sky?\nAnswer: ", "Q: sky?\nAnswer: "]);
  assert.deepEqual(d.continuations, ["blue", "green"]);
  assert.deepEqual(d.choiceTexts, ["blue", "green"]);
  assert.equal(d.gold, 0);
});

Deno.test("llm-foundry schema rows score the shared continuation after each context option", async () => {
  const path = await tempFile(
    "w.jsonl",
    jsonl([{ context_options: ["A so A", "A so B"], continuation: "won.", gold: 1 }]),
  );
  const { rendering, docs: [d] } = await loadChoices(path, { ...o, task: "winogrande" });
  assert.equal(rendering, "llm-foundry context_options/continuation/gold");
  assert.deepEqual(d.contexts, ["A so A", "A so B"]);
  assert.deepEqual(d.continuations, [" won.", " won."]);
});

Deno.test("llm-foundry few-shot examples are solved questions before the prompt; bad gold is an error", async () => {
  const rows = [
    { query: "1+1=", choices: ["2", "3"], gold: 0 },
    { query: "2+2=", choices: ["5", "4"], gold: 1 },
  ];
  const { docs: [d] } = await loadChoices(await tempFile("s.jsonl", jsonl(rows)), {
    ...o,
    shots: 1,
  });
  assert.equal(d.contexts[1], "2+2= 4\n\n1+1= ");
  const bad = await tempFile("b.jsonl", jsonl([{ query: "x", choices: ["a"], gold: 3 }]));
  await assert.rejects(
    () => loadChoices(bad, o),
    /^TaskInputError: task "copa", file .*b\.jsonl, row 0: field "gold" \(3\) names none of its 1 choices\.$/,
  );
  const unknown = await tempFile("u.jsonl", jsonl([{ question: "x" }]));
  await assert.rejects(() => loadChoices(unknown, o), /row 0: field "query" is missing\.$/);
});

Deno.test("the format option forces a rendering, and a row lacking a field names task, file, row and field", async () => {
  const piqa = fixture("piqa.jsonl");
  await assert.rejects(
    () => loadChoices(piqa, { ...o, task: "piqa", format: "llm-foundry" }),
    /^TaskInputError: task "piqa", file .*piqa\.jsonl, row 0: field "query" is missing\.$/,
  );
  const foundry = await tempFile("f.jsonl", jsonl([{ query: "x", choices: ["a"], gold: 0 }]));
  await assert.rejects(
    () => loadChoices(foundry, { ...o, task: "piqa", format: "dataset" }),
    /task "piqa", file .*f\.jsonl, row 0: field "goal" is missing\./,
  );
  await assert.rejects(
    () => loadChoices(foundry, { ...o, task: "siqa", format: "dataset" }),
    /task "siqa" has no dataset rendering/,
  );
  const lacking = await tempFile(
    "l.jsonl",
    jsonl([{ goal: "g", sol1: "a", sol2: "b", label: 0 }, { goal: "g", sol1: "a", label: 1 }]),
  );
  await assert.rejects(
    () => loadChoices(lacking, { ...o, task: "piqa" }),
    /^TaskInputError: task "piqa", file .*l\.jsonl, row 1: field "sol2" is missing\.$/,
  );
  const badKey = await tempFile(
    "k.jsonl",
    jsonl([{ question: "q", choices: { text: ["a", "b"], label: ["A", "B"] }, answerKey: "C" }]),
  );
  await assert.rejects(
    () => loadChoices(badKey, { ...o, task: "arc_easy" }),
    /row 0: field "answerKey" \("C"\) names none of 2 choices\.$/,
  );
});

for (
  const [name, task] of [
    ["boolq", "boolq"],
    ["piqa", "piqa"],
    ["copa", "copa"],
    ["arc_easy", "arc_easy"],
    ["arc_challenge", "arc_challenge"],
    ["openbook_qa", "openbookqa"],
    ["siqa", "siqa"],
    ["winogrande", "winogrande"],
  ]
) {
  const path = sharedFile(`tasks/mc/${name}.jsonl`);
  Deno.test({
    name: `the shared llm-foundry ${name} file loads with valid gold indices${
      path ? "" : " (skipped: ../shared/data absent)"
    }`,
    ignore: !path,
    fn: async () => {
      const { format, docs } = await loadChoices(path!, { ...o, task });
      assert.equal(format, "llm-foundry");
      assert.ok(docs.length >= 100);
      for (const d of docs) assert.equal(d.contexts.length, d.continuations.length);
    },
  });
}
