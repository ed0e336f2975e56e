/**
 * What the GPU computes for 16-bit synthetic models whose attention the fused kernel can take,
 * printed as one JSON object of plain numbers: prompt-phase logits at the last position and
 * class-mode batches' log-probabilities and greedy flags. Run by fused_attention_gpu_test.ts once
 * with GRIFFIN_FUSED_ATTENTION=0 (cuBLAS) and once with it on; the two must agree within 16-bit
 * rounding.
 *
 * @module
 */
import type { EngineConfig } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { classSequences, PASS_FORM, passIds as ids } from "./_forms.ts";
import { NativeSession } from "../ffi/session.ts";

const BASE = PASS_FORM;

/** Head sizes 64, 128 and 256; grouped, single and one-a-head KV heads; a sliding window. */
const FORMS: Record<string, EngineConfig> = {
  "grouped heads of 64": BASE,
  "one KV head a head, 128": { ...BASE, heads: 8, kvHeads: 8, headDim: 128 },
  "one KV head, 256": { ...BASE, heads: 4, kvHeads: 1, headDim: 256, activation: "gelu_tanh" },
  "sliding window 100": { ...BASE, slidingWindow: 100 },
};

/** Sequences ending inside, at and past the kernel's 64-query tiles. */
const SEQUENCES = [5, 64, 130, 17, 65, 2, 300];

const out: Record<string, number[]> = {};
for (const [form, config] of Object.entries(FORMS)) {
  for (const dtype of ["bf16", "f16"] as const) {
    const model = new NativeModel({ ...config, dtype }, 0);
    model.synthesize(5n);
    model.finalize();
    const session = new NativeSession(model, 2048);
    try {
      for (const density of [1, 0.5]) {
        const key = `${form} ${dtype} at ${density}`;
        session.setGriffin([density, density], "topk", 7);
        session.reset();
        out[`${key} prompt logits`] = Array.from(session.prompt(ids(300, 1), false));
        session.reset();
        const scores = session.scoreClassBatch(classSequences(SEQUENCES));
        out[`${key} batch logprobs`] = scores.flatMap((s) => Array.from(s.logprobs));
        out[`${key} batch greedy`] = scores.flatMap((s) => Array.from(s.greedy, Number));
      }
    } finally {
      session.close();
      model.close();
    }
  }
}
console.log(JSON.stringify(out));
