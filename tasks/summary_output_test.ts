import assert from "node:assert/strict";
import { cutAtMarker, referenceCut, summaryScores } from "./summary_output.ts";

Deno.test("the evident intent cuts at the first ### and keeps text without one", () => {
  assert.equal(cutAtMarker("A cat.\n###\nArticle: x ### y"), "A cat.\n");
  assert.equal(cutAtMarker("A cat."), "A cat.");
  assert.equal(cutAtMarker(""), "");
});

Deno.test("the reference cut drops the last code point when ### is absent", () => {
  assert.equal(referenceCut("A cat.###"), "A cat.");
  assert.equal(referenceCut("A cat."), "A cat");
  assert.equal(referenceCut("Smile 😀"), "Smile "); // one code point, two UTF-16 units
  assert.equal(referenceCut(""), "");
});

Deno.test("an empty summary scores 0 by intent and stops the run in reference compat", () => {
  assert.deepEqual(summaryScores("", "A cat.", "intent", "3"), { rouge1: 0, rouge2: 0, rougeL: 0 });
  assert.deepEqual(summaryScores("...", "A cat.", "intent", "3"), {
    rouge1: 0,
    rouge2: 0,
    rougeL: 0,
  });
  assert.throws(
    () => summaryScores("", "A cat.", "reference", "3"),
    /Sample 3: the Python rouge package refuses an empty hypothesis/,
  );
  const s = summaryScores("A cat sat", "A cat sat.", "reference", "0");
  assert.ok(s.rougeL > 0.99);
});
