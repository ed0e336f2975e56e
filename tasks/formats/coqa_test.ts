import assert from "node:assert/strict";
import { loadCoqa } from "./coqa.ts";
import { PAPER_RENDERING } from "./multiple_choice.ts";
import { tempFile } from "./_shared.ts";

const o = { task: "coqa", shots: 0, seed: 1 };
const fixture = new URL("../../testdata/tasks/coqa.jsonl", import.meta.url).pathname;

Deno.test("EleutherAI/coqa rows become the last-turn context (story not stripped) and golds", async () => {
  const { rendering, docs } = await loadCoqa(fixture, o);
  assert.equal(rendering, PAPER_RENDERING);
  assert.equal(docs[0].id, "0");
  assert.equal(
    docs[0].prompt,
    "Lily had a white cat.\n\n\nQ: Who had a cat?\n\nA: Lily\n\nQ: What colour was it?\n\nA:",
  );
  // "White" and "WHITE" repeat "white" case-insensitively.
  assert.deepEqual(docs[0].golds, ["white", "a white one"]);
  assert.equal(docs[1].prompt, "Tom ran to the store.\n\nQ: Who ran?\n\nA:");
  assert.deepEqual(docs[1].golds, ["Tom"]);
});

Deno.test("CoQA's published JSON renders the same, and few-shot examples are solved stories", async () => {
  const story = {
    id: "s1",
    story: "Tom ran to the store.",
    questions: [{ input_text: "Who ran?", turn_id: 1 }],
    answers: [{ input_text: "Tom", turn_id: 1 }],
    additional_answers: { "0": [{ input_text: "tom" }] },
  };
  const path = await tempFile("coqa.json", JSON.stringify({ version: "1.0", data: [story] }));
  const [d] = (await loadCoqa(path, o)).docs;
  assert.equal(d.prompt, "Tom ran to the store.\n\nQ: Who ran?\n\nA:");
  assert.deepEqual(d.golds, ["Tom"]);
  const shots = (await loadCoqa(fixture, { ...o, shots: 1 })).docs;
  assert.equal(
    shots[1].prompt,
    "Lily had a white cat.\n\n\nQ: Who had a cat?\n\nA: Lily\n\nQ: What colour was it?\n\nA: white" +
      "\n\nTom ran to the store.\n\nQ: Who ran?\n\nA:",
  );
});

Deno.test("malformed CoQA files are errors naming the task, file, row and field", async () => {
  await assert.rejects(
    async () => loadCoqa(await tempFile("a.json", "[1"), o),
    /^TaskInputError: task "coqa", file .*a\.json, row 0: not a JSON object\.$/,
  );
  await assert.rejects(
    async () => loadCoqa(await tempFile("b.json", "{}"), o),
    /expected \{"data": \[stories\]\} or one story per line/,
  );
  const noAnswer = { story: "x", questions: { input_text: ["q"] }, answers: { input_text: [] } };
  await assert.rejects(
    async () => loadCoqa(await tempFile("c.jsonl", JSON.stringify(noAnswer) + "\n"), o),
    /row 0: field "answers" has 0 turns for 1 questions/,
  );
  const noStory = { questions: { input_text: ["q"] }, answers: { input_text: ["a"] } };
  await assert.rejects(
    async () =>
      loadCoqa(
        await tempFile("d.jsonl", `${JSON.stringify(noStory)}\n${JSON.stringify(noStory)}\n`),
        o,
      ),
    /^TaskInputError: task "coqa", file .*d\.jsonl, row 0: field "story" is missing\.$/,
  );
});
