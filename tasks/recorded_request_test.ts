import assert from "node:assert/strict";
import { CONTEXT_ENDS, CONTEXT_KEPT_WHOLE, recordRequest } from "./recorded_request.ts";

Deno.test("a short context is kept whole with its continuation", () => {
  assert.deepEqual(recordRequest("Q: a\n\nA:", { until: ["\nQ:"] }), {
    context: "Q: a\n\nA:",
    until: ["\nQ:"],
  });
});

Deno.test("a long context is kept as its SHA-256, length and both ends", () => {
  const context = "x".repeat(CONTEXT_KEPT_WHOLE) + "end";
  const r = recordRequest(context, { continuation: " yes" });
  assert.equal(r.context, undefined);
  assert.equal(r.contextChars, CONTEXT_KEPT_WHOLE + 3);
  assert.equal(r.contextHead, "x".repeat(CONTEXT_ENDS));
  assert.equal(r.contextTail, "x".repeat(CONTEXT_ENDS - 3) + "end");
  assert.equal(r.contextSha256, "51c87443d9511e4b540315491874ffca57ae2df88374a8432b8a90f87bf7a3d0"); // Python hashlib
  assert.equal(r.continuation, " yes");
});

Deno.test("a scored request keeps the model's log-likelihood and greedy flag", () => {
  const r = recordRequest("Q: a\n\nA:", { continuation: " b" }, {
    loglikelihood: -3.25,
    greedy: false,
  });
  assert.deepEqual(r, {
    context: "Q: a\n\nA:",
    continuation: " b",
    loglikelihood: -3.25,
    greedy: false,
  });
});
