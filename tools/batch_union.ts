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
import type { NativeModel } from "../ffi/model.ts";

/** |a ∩ b| / |a|. */
export function overlap(a: Int32Array, b: Int32Array): number {
  const inA = new Set(a);
  return b.reduce((n, e) => n + (inA.has(e) ? 1 : 0), 0) / a.length;
}

/** What batchUnion measures. */
export interface BatchUnion {
  /** Per layer, the union of the sequences' experts over the FF width. */
  union: number[];
  /** The first two sequences' overlap at the first and the last layer (1 for one sequence). */
  firstLayerOverlap: number;
  lastLayerOverlap: number;
}

/**
 * Runs `count` XSum-like prompts of `tokens` tokens through `model` at density 0.5 (top-k), one
 * session each, and measures the union of their experts.
 *
 * @example
 * ```ts ignore
 * const u = batchUnion(createSyntheticModel("tiny", { device: -1, seed: 0 }), 2, 16);
 * console.assert(u.union.every((f) => f >= 0.5 && f <= 1));
 * ```
 */
export function batchUnion(model: NativeModel, count: number, tokens: number): BatchUnion {
  const c = model.config;
  const sets: Int32Array[][] = []; /* sets[sequence][layer] */
  for (let i = 0; i < count; i++) {
    const session = new NativeSession(model, Math.min(c.maxPositions, tokens + 8));
    try {
      session.setGriffin(Array(c.layers).fill(0.5), "topk", 0);
      session.prompt(
        new Int32Array(tokens).map((_, j) => 3 + (i * 7919 + j * 104729) % (c.vocabSize - 3)),
      );
      sets.push(Array.from({ length: c.layers }, (_, l) => session.experts(l)!));
    } finally {
      session.close();
    }
  }
  const second = sets[Math.min(1, count - 1)];
  return {
    union: sets[0].map((_, l) => new Set(sets.flatMap((s) => [...s[l]])).size / c.ffSize),
    firstLayerOverlap: overlap(sets[0][0], second[0]),
    lastLayerOverlap: overlap(sets[0][c.layers - 1], second[c.layers - 1]),
  };
}

if (import.meta.main) {
  const [shape = "llama-1b", count = "8", tokens = "256", device = "-1"] = Deno.args;
  const model = createSyntheticModel(shape, {
    device: Number(device),
    seed: 0,
    dtype: Number(device) < 0 ? "f32" : "bf16",
  });
  try {
    const u = batchUnion(model, Number(count), Number(tokens));
    const mean = u.union.reduce((a, b) => a + b, 0) / u.union.length;
    console.log(`${shape}, ${count} × ${tokens} tokens, density 0.5`);
    console.log(
      `union of the experts / FF width, per layer: ${u.union.map((f) => f.toFixed(3)).join(" ")}`,
    );
    console.log(
      `mean ${mean.toFixed(3)}; two sequences' overlap: first layer ${
        u.firstLayerOverlap.toFixed(3)
      }, last ${u.lastLayerOverlap.toFixed(3)}`,
    );
  } finally {
    model.close();
  }
}
