import assert from "node:assert/strict";
import { timeEngine } from "./engine_time.ts";
import type { LanguageModel } from "../engine/types.ts";

function busy(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

Deno.test("engine calls are timed, the rest of the model passes through untouched", () => {
  const calls: string[] = [];
  const model = {
    info: { id: "m" },
    eosTokenId: 2,
    encode: (text: string) => (calls.push(`encode ${text}`), [1, 2]),
    decode: () => "x",
    generate: () => (busy(30), calls.push("generate"), { outputIds: [] }),
    score: () => (busy(20), calls.push("score"), { loglikelihood: -1 }),
    close: () => calls.push("close"),
  } as unknown as LanguageModel;
  const timed = timeEngine(model);
  assert.deepEqual(timed.model.encode("a"), [1, 2]);
  assert.equal(timed.model.eosTokenId, 2);
  assert.equal(timed.engineMs(), 0);
  timed.model.score({} as never);
  timed.model.generate({} as never);
  assert.ok(timed.engineMs() >= 50 && timed.engineMs() < 500, `${timed.engineMs()}`);
  assert.equal(timed.model.scoreMany, undefined); // absent stays absent
  timed.model.close();
  assert.deepEqual(calls, ["encode a", "score", "generate", "close"]);
});
