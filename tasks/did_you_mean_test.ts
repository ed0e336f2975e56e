import assert from "node:assert/strict";
import { closestName, unknownNameMessage } from "./did_you_mean.ts";

Deno.test("the closest name is suggested for typos, case and fragments", () => {
  const known = ["xsum", "cnn_dailymail", "arc_easy", "arc_challenge", "gsm8k"];
  assert.equal(closestName("xsun", known), "xsum");
  assert.equal(closestName("GSM8K", known), "gsm8k");
  assert.equal(closestName("challenge", known), "arc_challenge");
  assert.equal(closestName("x", []), undefined);
});

Deno.test("the unknown-name message names the kind, the suggestion and the known names", () => {
  assert.equal(
    unknownNameMessage("task", "xsun", ["xsum", "gsm8k"]),
    'Unknown task "xsun". Did you mean "xsum"? Known: xsum, gsm8k.',
  );
});
