/*
 * The persistent decoding step (GRIFFIN_STEP_KERNEL=1; `deno task test:gpu`): one launch a step
 * decodes as the step's ~130 kernels do — synthetic 16-bit models of each form the step kernel
 * runs (heads of 64, 128 and 256; RMSNorm and LayerNorm; gated and plain FF blocks; biases;
 * learned positions; grouped keys and values), at densities 1 and 0.5: logits within 1e-3
 * relative (the down projection's partial sums are grouped differently) and the same greedy
 * tokens. `require` makes a refused model an error, so the comparison cannot fall back unseen.
 */
import assert from "node:assert/strict";
import { relativeError } from "../testdata/assert_close.ts";
import { cudaDeviceCount } from "../ffi/library.ts";
import type { EngineConfig } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { NativeSession } from "../ffi/session.ts";
import { argmax } from "../engine/sampler.ts";
import { GEMMA_FORM, LLAMA_FORM, OPT_FORM } from "./_forms.ts";

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";

const FORMS: Record<string, EngineConfig> = {
  "llama (heads of 64)": LLAMA_FORM,
  "qwen2 (heads of 128, q/k/v biases)": { ...LLAMA_FORM, headDim: 128, biases: { qkv: true } },
  "gemma (heads of 256)": GEMMA_FORM,
  "opt (LayerNorm, plain ReLU, learned positions, biases)": {
    ...OPT_FORM,
    headDim: 128,
    dtype: "f16",
  },
};

/** Decodes 20 tokens after a prompt, the step kernel on (`require`) or off (`0`); each step's logits. */
function decodeAll(model: NativeModel, density: number, stepKernel: boolean): Float32Array[] {
  const session = new NativeSession(model, 256);
  try {
    session.setGriffin([density, density, density], "topk", 0);
    let logits = session.prompt(Int32Array.from({ length: 37 }, (_, j) => (j * 13 + 5) % 2048));
    const steps: Float32Array[] = [];
    for (let t = 0; t < 20; t++) {
      Deno.env.set("GRIFFIN_STEP_KERNEL", stepKernel ? "require" : "0");
      try {
        logits = session.decode(argmax(logits, 0, logits.length));
      } finally {
        Deno.env.delete("GRIFFIN_STEP_KERNEL");
      }
      steps.push(logits);
    }
    return steps;
  } finally {
    session.close();
  }
}

for (const [form, config] of Object.entries(FORMS)) {
  Deno.test({
    name: `a ${form} model decodes in one persistent launch a step as in many kernels${skip}`,
    ignore: devices === 0,
    fn: () => {
      const model = new NativeModel(config, 0);
      model.synthesize(9n);
      model.finalize();
      try {
        for (const density of [1, 0.5]) {
          const kernels = decodeAll(model, density, false);
          const persistent = decodeAll(model, density, true);
          let worst = 0;
          kernels.forEach((a, t) => {
            worst = Math.max(worst, relativeError(persistent[t], a));
            assert.equal(
              argmax(persistent[t], 0, a.length),
              argmax(a, 0, a.length),
              `${form} step ${t}`,
            );
          });
          console.log(`${form} at ${density}: worst rel error ${worst.toExponential(2)}`);
          assert.ok(worst < 1e-3, `${form} at ${density}: ${worst}`);
        }
      } finally {
        model.close();
      }
    },
  });
}

Deno.test({
  name: `GRIFFIN_STEP_KERNEL=require names why a model is not run in one launch${skip}`,
  ignore: devices === 0,
  fn: () => {
    const model = new NativeModel({ ...LLAMA_FORM, dtype: "f32" }, 0);
    model.synthesize(9n);
    model.finalize();
    try {
      assert.throws(
        () => decodeAll(model, 1, true),
        /does not run this model: its weights are not 16-bit/,
      );
    } finally {
      model.close();
    }
  },
});
