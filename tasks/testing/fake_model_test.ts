import assert from "node:assert/strict";
import type { GenerateRequest } from "../../engine/types.ts";
import { fakeModel } from "./fake_model.ts";

const full = { density: 1, method: "topk" as const, seed: 0 };
const half = { density: 0.5, method: "topk" as const, seed: 0 };
const sampling = { greedy: false, temperature: 0.3, topK: 0, topP: 1, seed: 42 };

function request(over: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    promptIds: fakeModel().encode("Once upon"),
    maxNewTokens: 20,
    sampling,
    griffin: full,
    ...over,
  };
}

Deno.test("the fake tokenizer round-trips unicode and adds BOS only when asked", () => {
  const m = fakeModel();
  assert.equal(m.decode(m.encode("héllo ✓")), "héllo ✓");
  assert.equal(m.encode("a")[0], 97 + 3);
  assert.deepEqual(m.encode("a", { addBos: true }), [1, 100]);
});

Deno.test("the fake generates the same text for the same seed and differs under GRIFFIN", () => {
  const m = fakeModel();
  const a = m.generate(request()), b = m.generate(request());
  assert.equal(a.text, b.text);
  assert.equal(a.outputIds.length, 20);
  const g = m.generate(request({ griffin: half, sampling: { ...sampling, greedy: true } }));
  const f = m.generate(request({ sampling: { ...sampling, greedy: true } }));
  assert.notEqual(g.text, f.text);
  assert.equal(g.outputIds[0], f.outputIds[0]); // the first token comes from the full prompt phase
});

Deno.test("the fake stops at stop strings, cutting before them, and follows a script", () => {
  const m = fakeModel({ script: (p) => p.startsWith("Q") ? "short. ### rest" : undefined });
  const r = m.generate(request({ promptIds: m.encode("Q?"), stopStrings: ["###"] }));
  assert.equal(r.text, "short. ");
  assert.equal(r.stopReason, "stop_string");
  const whole = m.generate(request({ promptIds: m.encode("Q?") }));
  assert.equal(whole.text, "short. ### rest");
  assert.equal(whole.stopReason, "stop_token");
});

Deno.test("fake scoring perturbs generation-phase rows in gen mode and only the last in class mode", () => {
  const m = fakeModel();
  const contextIds = m.encode("The cat"), continuationIds = m.encode(" sat on");
  const base = { contextIds, continuationIds, keepDistributions: true };
  const f = m.score({ ...base, mode: "gen", griffin: full });
  const g = m.score({ ...base, mode: "gen", griffin: half });
  const c = m.score({ ...base, mode: "class", griffin: half });
  assert.equal(f.logprobs[0], g.logprobs[0]);
  assert.notEqual(f.logprobs[1], g.logprobs[1]);
  assert.deepEqual(c.logprobs.slice(0, -1), f.logprobs.slice(0, -1));
  assert.notEqual(c.logprobs.at(-1), f.logprobs.at(-1));
  assert.ok(Math.abs(f.loglikelihood - f.logprobs.reduce((a, b) => a + b)) < 1e-9);
  assert.equal(f.distributions?.length, continuationIds.length);
});
