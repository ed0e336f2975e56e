/**
 * How much of the FF block a decoding batch reads: the union of its sequences' experts at density
 * 0.5, a fraction of the FF width per layer, and two sequences' overlap. A batch reads the union
 * (each row masked to its own experts), so batching saves bytes only where sequences share
 * experts. `deno run -A tools/batch_union.ts [shape] [sequences] [prompt tokens] [device]` runs
 * `synthetic:shape` (f32 on the CPU, device −1; bf16 on cuda device ≥ 0) on the XSum-like prompts
 * of `bench:eval` and `tools/decode_batch_pass.ts`.
 *
 * @module
 */
import { createSyntheticModel } from "../models/synthetic.ts";
import { NativeSession } from "../ffi/session.ts";

/** |a ∩ b| / |a|. */
function overlap(a: Int32Array, b: Int32Array): number {
  const inA = new Set(a);
  return b.reduce((n, e) => n + (inA.has(e) ? 1 : 0), 0) / a.length;
}

if (import.meta.main) {
  const [shape = "llama-1b", count = "8", tokens = "256", device = "-1"] = Deno.args;
  const model = createSyntheticModel(shape, {
    device: Number(device),
    seed: 0,
    dtype: Number(device) < 0 ? "f32" : "bf16",
  });
  try {
    const c = model.config;
    const sets: Int32Array[][] = []; /* sets[sequence][layer] */
    for (let i = 0; i < Number(count); i++) {
      const session = new NativeSession(model, Math.min(c.maxPositions, Number(tokens) + 8));
      try {
        session.setGriffin(Array(c.layers).fill(0.5), "topk", 0);
        session.prompt(
          new Int32Array(Number(tokens)).map((_, j) =>
            3 + (i * 7919 + j * 104729) % (c.vocabSize - 3)
          ),
        );
        sets.push(Array.from({ length: c.layers }, (_, l) => session.experts(l)!));
      } finally {
        session.close();
      }
    }
    const union = sets[0].map((_, l) => new Set(sets.flatMap((s) => [...s[l]])).size / c.ffSize);
    const mean = union.reduce((a, b) => a + b, 0) / union.length;
    console.log(`${shape}, ${count} × ${tokens} tokens, density 0.5`);
    console.log(
      `union of the experts / FF width, per layer: ${union.map((f) => f.toFixed(3)).join(" ")}`,
    );
    console.log(
      `mean ${mean.toFixed(3)}; two sequences' overlap: first layer ${
        overlap(sets[0][0], sets[1][0]).toFixed(3)
      }, last ${overlap(sets[0][c.layers - 1], sets[1][c.layers - 1]).toFixed(3)}`,
    );
  } finally {
    model.close();
  }
}
