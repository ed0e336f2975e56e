import assert from "node:assert/strict";
import { finalNumber, numberExactMatch } from "./answer_number.ts";

Deno.test("the final number follows the last #### marker, else it is the last number", () => {
  assert.equal(finalNumber("She makes 9 * 2 = $18.\n#### 1,018"), "1018");
  assert.equal(finalNumber("3 apples and 4 pears make 7."), "7");
  assert.equal(finalNumber("#### -5 then 6"), "-5");
  assert.equal(finalNumber("it was 12 ####"), "12"); // a bare marker falls back to the text before it
  assert.equal(finalNumber("no digits here"), undefined);
  assert.equal(finalNumber(""), undefined);
});

Deno.test("exact match compares numbers after removing dollars, commas and a final dot", () => {
  assert.equal(numberExactMatch("so the answer is 18.00", "18"), 1);
  assert.equal(numberExactMatch("#### $1,200.", "1200"), 1);
  assert.equal(numberExactMatch("#### 17", "18"), 0);
  assert.equal(numberExactMatch("", "18"), 0);
  assert.equal(numberExactMatch("!!!", "0"), 0);
  assert.equal(numberExactMatch("答えは 42", "42"), 1);
});
