/**
 * Sequences decoded together on a synthetic model, for profilers (GRIFFIN_PROFILE=1 prints where
 * a decoding batch's time goes when the session closes): `deno run -A tools/decode_batch_pass.ts
 * [shape] [sequences] [prompt tokens] [new tokens] [density]` decodes `sequences` XSum-like
 * prompts together after a warm-up of two, and prints the batch's tokens/s and a hash of its
 * tokens. GRIFFIN_DEVICE_GREEDY=0 brings each step's logits to the host (as sampled decoding does)
 * instead of the greedy tokens.
 *
 * @module
 */
import { openModel } from "../engine/open.ts";
import { GREEDY } from "../engine/sampler.ts";

if (import.meta.main) {
  const [shape = "llama2-7b", count = "16", prompt = "1000", fresh = "32", density = "1"] =
    Deno.args;
  const model = await openModel(`synthetic:${shape}`, { device: "cuda:0", dtype: "bf16" });
  try {
    const requests = Array.from({ length: Number(count) }, (_, i) => ({
      promptIds: Array.from(
        { length: Number(prompt) },
        (_, j) => 3 + (i * 7919 + j * 104729) % (model.info.vocabSize - 3),
      ),
      maxNewTokens: Number(fresh),
      sampling: GREEDY,
      griffin: { density: Number(density), method: "topk" as const, seed: 0 },
      stopTokenIds: [],
    }));
    const deviceGreedy = Deno.env.get("GRIFFIN_DEVICE_GREEDY") !== "0";
    model.generateMany(requests.slice(0, 2), { deviceGreedy });
    const together = model.generateMany(requests, { deviceGreedy });
    const stepMs = together[0].timings.tokenMs.reduce((s, t) => s + t, 0);
    const decoded = together.reduce((s, r) => s + r.timings.tokenMs.length, 0);
    /* a hash of every generated token, so that two settings' outputs can be compared */
    let hash = 0;
    for (const r of together) {
      for (const id of r.outputIds) hash = (Math.imul(hash, 31) + id) >>> 0;
    }
    console.log(
      `${count} × (${prompt} + ${fresh}) d=${density}: ${
        (decoded / (stepMs / 1000)).toFixed(0)
      } tokens/s ` +
        `(${(stepMs / together[0].timings.tokenMs.length).toFixed(2)} ms a step; output ${
          hash.toString(16)
        })`,
    );
  } finally {
    model.close();
  }
}
