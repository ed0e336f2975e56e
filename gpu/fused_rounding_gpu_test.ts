/*
 * The products' operands rounded by the kernels that write them (GRIFFIN_FUSED_ROUNDING, on by
 * default) change no bit of what the GPU computes: _rounding_outputs.ts runs with the switch off
 * and on, in processes of their own (the switch is read once), and every digest must agree.
 */
import assert from "node:assert/strict";
import { cudaDeviceCount } from "../ffi/library.ts";
import { childOutputs } from "./_child.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";

/** The child's digests with GRIFFIN_FUSED_ROUNDING set to `setting`. */
function outputs(setting: string): Promise<Record<string, string>> {
  return childOutputs("_rounding_outputs.ts", { GRIFFIN_FUSED_ROUNDING: setting });
}

Deno.test({
  name: `fused roundings leave 16-bit prompts, class passes and batches bit-identical${skip}`,
  ignore: devices === 0,
  fn: async () => {
    const separate = await outputs("0");
    const fused = await outputs("1");
    const differ = Object.keys(separate).filter((k) => separate[k] !== fused[k]);
    console.log(`${Object.keys(separate).length} outputs compared, ${differ.length} differ`);
    assert.deepEqual(
      differ,
      [],
      `these differ with GRIFFIN_FUSED_ROUNDING=1: ${differ.join("; ")}`,
    );
    assert.deepEqual(Object.keys(fused), Object.keys(separate));
  },
});
