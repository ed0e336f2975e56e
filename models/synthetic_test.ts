import assert from "node:assert/strict";
import { createSyntheticModel, SYNTHETIC_SHAPES, syntheticShape } from "./synthetic.ts";
import { parameterCount } from "../ffi/config.ts";
import { NativeSession } from "../ffi/session.ts";
import { librarySkip } from "../testdata/fixtures.ts";

Deno.test("synthetic shapes have the parameter counts of the real models", () => {
  assert.equal(parameterCount(SYNTHETIC_SHAPES["llama2-7b"]), 6_738_415_616);
  assert.equal(parameterCount(SYNTHETIC_SHAPES["llama2-13b"]), 13_015_864_320);
  assert.equal(parameterCount(SYNTHETIC_SHAPES["mistral-7b"]), 7_241_732_096);
  assert.equal(parameterCount(SYNTHETIC_SHAPES["llama-1b"]), 1_100_048_384); // TinyLlama-1.1B
});

Deno.test("an unknown synthetic shape lists the known ones", () => {
  assert.throws(
    () => syntheticShape("gpt5"),
    /known: tiny, llama-1b, llama2-7b, llama2-13b, mistral-7b/,
  );
});

Deno.test({
  name:
    `synthetic weights come from the seed: same seed, same logits; other seed, others${librarySkip}`,
  ignore: librarySkip !== "",
  fn: () => {
    const logits = (seed: number, dtype?: "bf16") => {
      const model = createSyntheticModel("tiny", { device: -1, seed, dtype });
      const session = new NativeSession(model, 32);
      try {
        return session.prompt(new Int32Array([1, 5, 9, 200]));
      } finally {
        session.close();
        model.close();
      }
    };
    const a = logits(1);
    assert.deepEqual(logits(1), a);
    assert.notDeepEqual(logits(2), a);
    assert.ok(a.every(Number.isFinite));
    assert.notDeepEqual(logits(1, "bf16"), a);
  },
});
