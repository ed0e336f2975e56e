import assert from "node:assert/strict";
import { rowField } from "./row_fields.ts";

const where = { task: "arc_easy", path: "/d/arc.jsonl", row: 3 };

Deno.test("rowField reads dotted paths and checks their kind", () => {
  const row = { question: "Why?", choices: { text: ["a", "b"], label: ["A", "B"] }, n: 1 };
  assert.equal(rowField(row, "question", "string", where), "Why?");
  assert.deepEqual(rowField(row, "choices.label", "strings", where), ["A", "B"]);
  assert.equal(rowField(row, "n", "number", where), 1);
});

Deno.test("a missing or mistyped field is one line naming the task, file, row and field", () => {
  assert.throws(
    () => rowField({ choices: {} }, "choices.text", "strings", where),
    {
      name: "TaskInputError",
      message: 'task "arc_easy", file /d/arc.jsonl, row 3: field "choices.text" is missing.',
    },
  );
  assert.throws(
    () => rowField({ label: "1" }, "label", "number", where),
    /row 3: field "label" must be a number, got "1"\.$/,
  );
});
