import assert from "node:assert/strict";
import { closestName, editDistance, suggestion } from "./did_you_mean.ts";

Deno.test("editDistance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("limit", "limt"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("closestName suggests a near name and nothing for a distant one", () => {
  assert.equal(closestName("magnitud", ["topk", "magnitude"]), "magnitude");
  assert.equal(closestName("zzzzzz", ["topk", "magnitude"]), undefined);
});

Deno.test("suggestion lists the known names when none is close", () => {
  assert.equal(suggestion("topkk", ["topk"]), '; did you mean "topk"?');
  assert.equal(suggestion("qqqqqq", ["a", "b"]), " (known: a, b)");
});
