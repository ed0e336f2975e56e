import assert from "node:assert/strict";
import { loadCoqa } from "./coqa.ts";
import { tempFile } from "./_shared.ts";

const story = {
  id: "s1",
  story: "Lily had a white cat.",
  questions: [{ input_text: "Who had a cat?", turn_id: 1 }, {
    input_text: "What colour?",
    turn_id: 2,
  }],
  answers: [{ input_text: "Lily", turn_id: 1 }, { input_text: "white", turn_id: 2 }],
  additional_answers: {
    "0": [{ input_text: "Lily" }, { input_text: "White" }],
    "1": [{ input_text: "Lily" }, { input_text: "a white one" }],
  },
};

Deno.test("CoQA's public JSON becomes lm-evaluation-harness's last-turn prompt and golds", async () => {
  const path = await tempFile("coqa.json", JSON.stringify({ version: "1.0", data: [story] }));
  const [d] = await loadCoqa(path, { shots: 0, seed: 1 });
  assert.equal(d.id, "s1");
  assert.equal(
    d.prompt,
    "Lily had a white cat.\n\nQ: Who had a cat?\n\nA: Lily\n\nQ: What colour?\n\nA:",
  );
  assert.deepEqual(d.golds, ["white", "a white one"]); // "White" repeats "white" case-insensitively
});

Deno.test("CoQA also reads Hugging Face columns and takes solved few-shot examples", async () => {
  const hf = {
    story: "Tom ran.",
    questions: { input_text: ["Who ran?"] },
    answers: { input_text: ["Tom"] },
  };
  const path = await tempFile("coqa.json", JSON.stringify({ data: [story, hf] }));
  const docs = await loadCoqa(path, { shots: 1, seed: 1 });
  assert.equal(
    docs[1].prompt,
    `${
      docs[0].prompt.slice(docs[0].prompt.indexOf("Lily had"))
    } white\n\nTom ran.\n\nQ: Who ran?\n\nA:`,
  );
});

Deno.test("malformed CoQA files are errors that say what is missing", async () => {
  await assert.rejects(
    async () => loadCoqa(await tempFile("a.json", "[1"), { shots: 0, seed: 1 }),
    /not valid JSON/,
  );
  await assert.rejects(
    async () => loadCoqa(await tempFile("b.json", "{}"), { shots: 0, seed: 1 }),
    /expected \{"data"/,
  );
  const noAnswer = { story: "x", questions: [{ input_text: "q" }], answers: [] };
  await assert.rejects(
    async () =>
      loadCoqa(await tempFile("c.json", JSON.stringify({ data: [noAnswer] })), {
        shots: 0,
        seed: 1,
      }),
    /needs an answer for each of its 1 questions/,
  );
});
