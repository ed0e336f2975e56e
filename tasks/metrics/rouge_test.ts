import assert from "node:assert/strict";
import { RougeEmptyError, rougeLAgreement, rougeScores, rougeSentences } from "./rouge.ts";

const f = (p: number, r: number) => 2 * ((p * r) / (p + r + 1e-8));
function close(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

Deno.test("ROUGE on one sentence matches the hand-worked overlaps", () => {
  // H = {the, cat, sat}, R = {the, cat, ran}: 2 shared unigrams, 1 shared bigram, LCS "the cat".
  const s = rougeScores("the cat sat", "the cat ran");
  close(s.rouge1.f, f(2 / 3, 2 / 3), "rouge1");
  close(s.rouge1.f, 0.6666666616666667, "rouge1 literal");
  close(s.rouge2.p, 0.5, "rouge2 p");
  close(s.rouge2.f, f(0.5, 0.5), "rouge2");
  close(s.rougeL.f, f(2 / 3, 2 / 3), "rougeL");
});

Deno.test("ROUGE-N counts distinct n-grams, so repetition earns nothing", () => {
  const s = rougeScores("the the the", "the cat");
  assert.equal(s.rouge1.p, 1);
  assert.equal(s.rouge1.r, 0.5);
  close(s.rouge1.f, 0.6666666622222222, "rouge1");
  assert.equal(s.rouge2.f, 0);
});

Deno.test("ROUGE-L unites subsequences over sentence pairs while ROUGE-2 crosses sentences", () => {
  // ref sentences [a b c] [d e], hyp [a c e] [d b]: LCS pairs give {a,c}, {b}, {e}, {d}.
  const s = rougeScores("a c e. d b", "a b c. d e");
  close(s.rougeL.f, f(1, 1), "rougeL");
  close(s.rouge1.f, f(1, 1), "rouge1");
  assert.equal(s.rouge2.f, 0); // {ac, ce, ed, db} vs {ab, bc, cd, de}
});

Deno.test("ROUGE-L rebuilds the subsequence going left on ties, as the package does", () => {
  // ref [a b] vs hyp [b a]: the package keeps "b"; keeping "a" would give U = {a, b} and 1.
  const s = rougeScores("b a", "a b. b");
  close(s.rougeL.p, 0.5, "p");
  close(s.rougeL.f, f(0.5, 0.5), "rougeL");
});

Deno.test("ROUGE keeps case and punctuation other than the dot", () => {
  assert.equal(rougeScores("The Cat", "the cat").rouge1.f, 0);
  assert.equal(rougeScores("cat,", "cat").rouge1.f, 0);
  close(rougeScores("!!!", "!!!").rouge1.f, f(1, 1), "all punctuation");
  assert.equal(rougeScores("?!", "wow").rougeL.f, 0);
});

Deno.test("dots split sentences and Python whitespace collapses", () => {
  assert.deepEqual(rougeSentences("U.S. policy"), ["U", "S", "policy"]);
  assert.deepEqual(rougeSentences("a.. b"), ["a", "b"]);
  assert.deepEqual(rougeSentences("a. . b"), ["a", "", "b"]);
  const s = rougeScores("the\u00a0cat\t sat\u3000", "the cat sat");
  close(s.rouge2.f, f(1, 1), "unicode whitespace");
  close(rougeScores("U.S. policy", "US policy").rouge1.f, f(1 / 3, 1 / 2), "dotted");
});

Deno.test("unicode words compare by their exact code points", () => {
  close(rougeScores("café naïve", "café").rouge1.f, f(0.5, 1), "rouge1");
  assert.equal(rougeScores("cafe", "café").rouge1.f, 0);
});

Deno.test("an empty or all-dot hypothesis is refused as the package refuses it", () => {
  assert.throws(() => rougeScores("", "x"), RougeEmptyError);
  assert.throws(() => rougeScores("...", "x"), /Hypothesis is empty/);
  assert.throws(() => rougeScores("x", ""), /Reference is empty/);
  // A lone space is one empty sentence, not an empty hypothesis: it scores 0.
  assert.equal(rougeScores(" ", "x").rougeL.f, 0);
});

Deno.test("agreement ROUGE-L is exactly one for identical outputs and zero for disjoint ones", () => {
  assert.equal(rougeLAgreement("Lily saw a big cat. It ran.", "Lily saw a big cat. It ran."), 1);
  assert.equal(rougeLAgreement("", ""), 1);
  assert.equal(rougeLAgreement("", "cat"), 0);
  assert.equal(rougeLAgreement("dog", "cat"), 0);
  close(rougeLAgreement("the cat sat", "the cat ran"), 2 / 3, "partial");
});
