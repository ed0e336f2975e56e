import assert from "node:assert/strict";
import { argmax, choiceScores } from "./choice.ts";

Deno.test("argmax keeps the first index on ties", () => {
  assert.equal(argmax([1, 3, 3]), 1);
  assert.equal(argmax([-2]), 0);
  assert.throws(() => argmax([]), /empty/);
});

Deno.test("acc takes the summed log-likelihood and acc_norm divides it by characters", () => {
  // -4/2 = -2 vs -6/6 = -1: acc picks choice 0, acc_norm choice 1.
  assert.deepEqual(choiceScores([-4, -6], ["ab", "abcdef"], 1), {
    acc: 0,
    acc_norm: 1,
    predicted: 0,
  });
  assert.deepEqual(choiceScores([-1, -1], ["x", "y"], 0), { acc: 1, acc_norm: 1, predicted: 0 });
});

Deno.test("acc_norm counts code points as Python does and handles empty choices", () => {
  const s = choiceScores([-3, -3.5], ["", "déjà"], 1);
  assert.equal(s.acc, 0);
  assert.equal(s.acc_norm, 1); // the empty choice divides to -Infinity
  // "😀" is one code point (two UTF-16 units): -1/1 = -1 beats -3/2 = -1.5.
  assert.equal(choiceScores([-1, -3], ["😀", "ab"], 0).acc_norm, 1);
});

Deno.test("bad gold indices and mismatched lengths are errors", () => {
  assert.throws(() => choiceScores([-1], ["a"], 1), /Gold index 1/);
  assert.throws(() => choiceScores([-1, -2], ["a"], 0), /2 log-likelihoods for 1 choices/);
});
