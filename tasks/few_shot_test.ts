import assert from "node:assert/strict";
import { fewShotPrefix } from "./few_shot.ts";

const rows = ["a", "b", "c", "d", "e"];

Deno.test("few-shot prefixes are reproducible and never include the row itself", () => {
  for (let i = 0; i < rows.length; i++) {
    const p = fewShotPrefix(rows, i, 3, 1234, (r) => r, "|");
    assert.equal(p, fewShotPrefix(rows, i, 3, 1234, (r) => r, "|"));
    assert.ok(!p.includes(rows[i]));
    assert.equal(p.split("|").length - 1, 3);
  }
  assert.equal(fewShotPrefix(rows, 0, 0, 1, (r) => r, "|"), "");
});

Deno.test("a different seed draws different examples somewhere", () => {
  const a = rows.map((_, i) => fewShotPrefix(rows, i, 2, 1, (r) => r, ","));
  const b = rows.map((_, i) => fewShotPrefix(rows, i, 2, 2, (r) => r, ","));
  assert.notDeepEqual(a, b);
});

Deno.test("asking for more shots than other rows is an error", () => {
  assert.throws(() => fewShotPrefix(rows, 0, 5, 1, (r) => r, ""), /Cannot draw 5 examples from 4/);
});
