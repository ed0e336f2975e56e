import assert from "node:assert/strict";
import { coqaScores, exactMatch, normalizeAnswer, tokenF1 } from "./squad.ts";

Deno.test("SQuAD normalisation lower-cases, drops punctuation and articles, and collapses spaces", () => {
  assert.equal(normalizeAnswer("The  Cat's hat!"), "cats hat");
  assert.equal(normalizeAnswer("An apple, a day"), "apple day");
  assert.equal(normalizeAnswer("theatre Anna"), "theatre anna"); // articles only as whole words
  assert.equal(normalizeAnswer("thé"), "thé"); // a Unicode letter is part of the word
  assert.equal(normalizeAnswer("!!! ... ???"), "");
});

Deno.test("exact match compares normalised answers", () => {
  assert.equal(exactMatch("the Eiffel Tower.", "Eiffel tower"), 1);
  assert.equal(exactMatch("Paris", "Paris, France"), 0);
  assert.equal(exactMatch("", ""), 1);
});

Deno.test("token F1 follows the hand-worked multiset overlap", () => {
  // gold [red, big, ball], pred [big, ball]: p = 1, r = 2/3, F1 = 0.8.
  assert.ok(Math.abs(tokenF1("red big ball", "big ball") - 0.8) < 1e-12);
  // duplicates count once per occurrence: gold [a1 x], pred [x x]: same = 1, p = 1/2, r = 1/2.
  assert.equal(tokenF1("yes x", "x x"), 0.5);
  assert.equal(tokenF1("blue", "red"), 0);
});

Deno.test("F1 and EM handle empty, all-punctuation and unicode answers", () => {
  assert.equal(tokenF1("", ""), 1);
  assert.equal(tokenF1("cat", ""), 0);
  assert.equal(tokenF1("...", "the"), 1); // both normalise to nothing
  assert.equal(exactMatch("Zürich", "zürich"), 1);
  assert.equal(tokenF1("日本 東京", "東京"), 2 / 3);
});

Deno.test("CoQA averages the best score over golds with each gold left out", () => {
  const s = coqaScores(["white", "white cat"], "white");
  // leave out "white": best vs ["white cat"] -> em 0, f1 2/3; leave out "white cat": em 1, f1 1.
  assert.equal(s.em, 0.5);
  assert.ok(Math.abs(s.f1 - (2 / 3 + 1) / 2) < 1e-12);
  assert.deepEqual(coqaScores(["Yes"], "yes."), { em: 1, f1: 1 });
  assert.throws(() => coqaScores([], "x"), /at least one gold/);
});
