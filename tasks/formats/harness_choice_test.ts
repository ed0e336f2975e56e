import assert from "node:assert/strict";
import { loadChoices } from "./multiple_choice.ts";
import { hellaswagPreprocess } from "./harness_choice.ts";
import { PAPER_RENDERING } from "./multiple_choice.ts";

// Expected strings are written out by hand from ../shared/docs/TASKS.md.
const fixture = (name: string) => new URL(`../../testdata/tasks/${name}`, import.meta.url).pathname;
const load = (task: string, file: string, shots = 0) =>
  loadChoices(fixture(file), { task, delimiter: "?", shots, seed: 1234 });

Deno.test("boolq: passage, question with an added ?, ' yes' then ' no', label 1 is ' yes'", async () => {
  const { rendering, format, docs } = await load("boolq", "boolq.jsonl");
  assert.equal(format, "dataset");
  assert.equal(rendering, PAPER_RENDERING);
  const ctx0 = "Sky -- The sky is blue on a clear day.\nQuestion: is the sky blue?\nAnswer:";
  assert.deepEqual(docs[0].contexts, [ctx0, ctx0]);
  assert.deepEqual(docs[0].continuations, [" yes", " no"]);
  assert.equal(docs[0].gold, 0);
  const ctx1 = "Desert -- Rain seldom falls.\n\nQuestion: does it rain in the desert??\nAnswer:";
  assert.deepEqual(docs[1].contexts, [ctx1, ctx1]);
  assert.equal(docs[1].gold, 1);
});

Deno.test("copa: the stripped premise loses its last character; only the choice's first letter is lowered", async () => {
  const { docs } = await load("copa", "copa.jsonl");
  assert.deepEqual(docs[0].contexts, Array(2).fill("My body cast a shadow over the grass because"));
  assert.deepEqual(docs[0].continuations, [" the sun was rising.", " the grass was cut."]);
  assert.equal(docs[0].gold, 0);
  assert.deepEqual(docs[1].contexts, Array(2).fill("The man went to Paris therefore"));
  assert.deepEqual(docs[1].continuations, [" paris was lovely.", " he stayed HOME."]);
  assert.equal(docs[1].gold, 1);
});

Deno.test("piqa: 'Question: {goal}\\nAnswer:' and each solution after one space, kept as it is", async () => {
  const { docs } = await load("piqa", "piqa.jsonl");
  assert.deepEqual(docs[0].contexts, Array(2).fill("Question: How do I dry wet shoes?\nAnswer:"));
  assert.deepEqual(docs[0].continuations, [
    " Stuff them with newspaper.",
    "  Put them in the oven. ",
  ]);
  assert.deepEqual(docs[0].choiceTexts, ["Stuff them with newspaper.", " Put them in the oven. "]);
  assert.deepEqual(docs[1].continuations, [
    " replace drawer with bobby pin",
    " finish, woodgrain with  bobby pin",
  ]);
  assert.equal(docs[1].gold, 1);
});

Deno.test("arc: answer keys 1-5 map to A-E and the choices' own labels are ignored", async () => {
  for (const task of ["arc_easy", "arc_challenge"]) {
    const { docs } = await load(task, "arc.jsonl");
    assert.equal(
      docs[0].contexts[0],
      "Question: Which gas do plants take in from the air?\nAnswer:",
    );
    assert.deepEqual(docs[0].continuations, [" oxygen", " carbon dioxide", " helium", " neon"]);
    assert.equal(docs[0].gold, 1);
    assert.equal(docs[1].contexts[2], "Question: What is 2 + 2?\nAnswer:");
    assert.deepEqual(docs[1].continuations, [" 3", " 4", " 5"]);
    assert.equal(docs[1].gold, 1);
    assert.equal(docs[2].continuations[4], " Mars ");
    assert.equal(docs[2].gold, 4);
  }
});

Deno.test("openbookqa: the stem as it is (trailing space kept), answerKey stripped", async () => {
  const { docs } = await load("openbookqa", "openbookqa.jsonl");
  assert.deepEqual(docs[0].contexts, Array(2).fill("The sun is responsible for "));
  assert.deepEqual(docs[0].continuations, [
    " puppies learning new tricks",
    " plants sprouting, blooming and wilting",
  ]);
  assert.equal(docs[0].gold, 1);
  assert.equal(docs[1].contexts[0], "Predators eat");
  assert.equal(docs[1].gold, 2);
});

Deno.test("hellaswag: label, ctx_a and capitalised ctx_b preprocessed; endings preprocessed", async () => {
  const { docs } = await load("hellaswag", "hellaswag.jsonl");
  assert.equal(
    docs[0].contexts[0],
    "Removing ice from car: Then, the man writes over the snow covering the window of a car, and a woman wearing winter clothes smiles. Then",
  );
  assert.equal(docs[0].continuations[3], " , the man continues removing the snow on his car.");
  assert.equal(docs[0].gold, 3);
  // Empty ctx_b: the trailing space goes with the strip; [title] becomes ". ", tags vanish.
  assert.equal(docs[1].contexts[0], "Home and Garden: How to grow USA roses. Pick a spot.");
  // An ending starting with a tag keeps a leading space: two spaces after joining.
  assert.deepEqual(docs[1].continuations, [
    "  Dig a hole.  Then  water it.",
    " Plant it in the SHADE.",
  ]);
  assert.deepEqual(docs[1].choiceTexts, [
    " Dig a hole.  Then  water it.",
    "Plant it in the SHADE.",
  ]);
  assert.equal(docs[1].gold, 0);
  // capitalize lowers all but the first character; three spaces leave two.
  assert.equal(docs[2].contexts[1], "Sports: A man stands. He waves the usa flag");
  assert.deepEqual(docs[2].continuations, [" and smiles.", " and  runs."]);
  assert.equal(docs[2].gold, 1);
  assert.equal(hellaswagPreprocess("  x [header] y  "), "x y");
});

Deno.test("winogrande: each option completes the context; the rest of the sentence is scored", async () => {
  const { docs } = await load("winogrande", "winogrande.jsonl");
  assert.deepEqual(docs[0].contexts, [
    "Sarah was a much better surgeon than Maria so Sarah",
    "Sarah was a much better surgeon than Maria so Maria",
  ]);
  assert.deepEqual(docs[0].continuations, Array(2).fill(" always got the harder cases."));
  assert.equal(docs[0].gold, 0);
  assert.deepEqual(docs[1].contexts, [
    "The trophy doesn't fit into the suitcase because the trophy",
    "The trophy doesn't fit into the suitcase because the suitcase",
  ]);
  assert.deepEqual(docs[1].continuations, [" .", " ."]);
  assert.equal(docs[1].gold, 1);
});

Deno.test("few-shot: solved rows (doc_to_text + doc_to_target) joined by blank lines before the row", async () => {
  const piqa = (await load("piqa", "piqa.jsonl", 1)).docs;
  const shot = "Question: dresser\nAnswer: finish, woodgrain with  bobby pin\n\n";
  assert.equal(piqa[0].contexts[0], shot + "Question: How do I dry wet shoes?\nAnswer:");
  assert.equal(piqa[0].continuations[1], "  Put them in the oven. ");
  const wino = (await load("winogrande", "winogrande.jsonl", 1)).docs;
  // Winogrande's example is the sentence cut at the blank, the right option, then the rest.
  assert.deepEqual(wino[1].contexts, [
    "Sarah was a much better surgeon than Maria so Sarah always got the harder cases.\n\n" +
    "The trophy doesn't fit into the suitcase because the trophy",
    "Sarah was a much better surgeon than Maria so Sarah always got the harder cases.\n\n" +
    "The trophy doesn't fit into the suitcase because the suitcase",
  ]);
  const boolq = (await load("boolq", "boolq.jsonl", 1)).docs;
  assert.ok(
    boolq[1].contexts[0].startsWith(
      "Sky -- The sky is blue on a clear day.\nQuestion: is the sky blue?\nAnswer: yes\n\nDesert",
    ),
  );
});
