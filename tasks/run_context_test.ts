import assert from "node:assert/strict";
import { timingsOf } from "../engine/generation.ts";
import { TimingTotals } from "./run_context.ts";

Deno.test("timing totals average the requests and mark tokens decoded together", () => {
  const totals = new TimingTotals();
  totals.add(timingsOf(4, 1, [2, 2]));
  assert.deepEqual(totals.summary(), {
    promptMs: 4,
    selectionMs: 1,
    decodeMsPerToken: 2,
    tokensPerSecond: 500,
    generatedTokens: 2,
  });
  totals.add({ ...timingsOf(2, 1, [1]), decodedTogether: true });
  const summary = totals.summary();
  assert.equal(summary.promptMs, 3);
  assert.equal(summary.generatedTokens, 3);
  assert.equal(summary.decodedTogether, true);
});
