/*
 * The fused attention (GRIFFIN_FUSED_ATTENTION, on by default) against the cuBLAS path it
 * replaces, through whole 16-bit models: _attention_outputs.ts runs in a process of its own per
 * setting (the switch is read once) and the prompt's logits and the class batches'
 * log-probabilities must agree within what 16-bit rounding allows (the two differ only in the
 * order of the softmax's f32 sums).
 */
import assert from "node:assert/strict";
import { cudaDeviceCount } from "../ffi/library.ts";
import { assertClose, relativeError } from "../testdata/assert_close.ts";
import { childOutputs } from "./_child.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";

/** The child's outputs with GRIFFIN_FUSED_ATTENTION set to `setting`. */
function outputs(setting: string): Promise<Record<string, number[]>> {
  return childOutputs("_attention_outputs.ts", { GRIFFIN_FUSED_ATTENTION: setting });
}

Deno.test({
  name: `the fused attention scores 16-bit prompts and class batches as cuBLAS does${skip}`,
  ignore: devices === 0,
  fn: async () => {
    const cublas = await outputs("0");
    const fused = await outputs("1");
    assert.deepEqual(Object.keys(fused), Object.keys(cublas));
    let worst = 0, flips = 0, flags = 0;
    for (const [key, want] of Object.entries(cublas)) {
      const got = fused[key];
      assert.equal(got.length, want.length, key);
      if (key.endsWith("prompt logits")) {
        const error = relativeError(got, want);
        assert.ok(error <= 1e-2, `${key}: relative error ${error}`);
      } else if (key.endsWith("logprobs")) {
        // 16-bit activations: a rounding tipped the other way moves ~1e-3 (8.4e-4 seen)
        assertClose(got, want, 2e-3, key);
        got.forEach((v, i) =>
          worst = Math.max(worst, Math.abs(v - want[i]) / (1 + Math.abs(want[i])))
        );
      } else {
        flags += want.length;
        flips += got.filter((v, i) => v !== want[i]).length;
      }
    }
    console.log(
      `worst log-probability difference (relative to 1 + |cuBLAS's|) ${
        worst.toExponential(2)
      }, ${flips} of ${flags} greedy flags differ`,
    );
    assert.ok(flips <= 0.01 * flags, `${flips} of ${flags} greedy flags differ`);
  },
});
