/**
 * What the GPU computes for 16-bit synthetic models of each architecture's form, as SHA-256
 * digests of the raw bytes, printed as one JSON object: prompt-phase logits at every position
 * (with the experts and a captured layer's activations), class mode over one sequence,
 * class-mode batches (log-probabilities, greedy flags, each sequence's experts) and three
 * sequences decoded together (each step's logits). Run by
 * fused_rounding_gpu_test.ts once per setting of GRIFFIN_FUSED_ROUNDING, whose outputs must
 * agree bit for bit.
 *
 * @module
 */
import type { EngineConfig } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { classSequences, PASS_FORM, passIds as ids } from "./_forms.ts";
import { type ClassSequence, NativeSession } from "../ffi/session.ts";
import type { SelectionMethod } from "../engine/types.ts";

const BASE = PASS_FORM;

/** The forms whose passes differ: pre-norm, LayerNorm with biases, post-norm, a window. */
const FORMS: Record<string, EngineConfig> = {
  llama: BASE,
  gemma: { ...BASE, activation: "gelu_tanh", norm: "rms_one_plus", embedScale: 32, kvHeads: 1 },
  opt: {
    ...BASE,
    activation: "relu",
    gated: false,
    norm: "layernorm",
    learnedPositions: { offset: 2 },
    biases: { qkv: true, o: true, ff: true },
    tiedEmbeddings: true,
  },
  "opt-post-norm": {
    ...BASE,
    activation: "relu",
    gated: false,
    norm: "layernorm",
    postNorm: true,
    noFinalNorm: true,
    learnedPositions: { offset: 2 },
    biases: { qkv: true, o: true, ff: true },
    tiedEmbeddings: true,
  },
  mistral: { ...BASE, slidingWindow: 100 },
};

const SETTINGS: [number, SelectionMethod][] = [
  [1, "topk"],
  [0.5, "topk"],
  [0.5, "magnitude"],
  [0.5, "random"],
];

/** Hex SHA-256 of a typed array's bytes. */
async function digest(values: ArrayBufferView): Promise<string> {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A batch of class sequences; with `long`, one whose padded scores (16 heads × 1690² × 6 bytes)
 * outgrow the attention scratch's 256 MiB, so that it takes attention_prompt alone.
 */
function sequences(long: boolean): ClassSequence[] {
  return classSequences([
    5,
    40,
    130,
    17,
    64,
    2,
    90,
    ...(long ? [1690] : []),
  ]); /* 2038 rows of 2048 */
}

const out: Record<string, string> = {};
for (const [form, base] of Object.entries(FORMS)) {
  for (const dtype of ["bf16", "f16"] as const) {
    const model = new NativeModel({ ...base, dtype }, 0);
    model.synthesize(5n);
    model.finalize();
    const session = new NativeSession(model, 2048);
    const others = [new NativeSession(model, 256), new NativeSession(model, 256)];
    try {
      for (const [density, method] of SETTINGS) {
        const key = `${form} ${dtype} ${method} ${density}`;
        session.setGriffin([density, density], method, 7);
        session.setCapture(method === "magnitude");
        session.reset();
        out[`${key} prompt logits`] = await digest(session.prompt(ids(300, 1), true));
        for (let l = 0; l < 2; l++) {
          out[`${key} prompt experts ${l}`] = await digest(session.experts(l) ?? new Int32Array());
        }
        if (method === "magnitude") {
          out[`${key} captured z`] = await digest(session.activations(1).data);
        }
        session.setCapture(false);
        session.reset();
        out[`${key} class logits`] = await digest(session.forwardClass(ids(77, 2)));
        session.reset();
        for (const long of [false, true]) {
          const batch = sequences(long);
          const scores = session.scoreClassBatch(batch);
          const what = `${key} batch${long ? " with a long sequence" : ""}`;
          out[`${what} logprobs`] = await digest(
            Float64Array.from(scores.flatMap((s) => s.logprobs)),
          );
          out[`${what} greedy`] = await digest(
            Uint8Array.from(scores.flatMap((s) => s.greedy), Number),
          );
          const experts = batch.flatMap((_, b) =>
            [0, 1].flatMap((l) => Array.from(session.batchExperts(b, l) ?? [-1]))
          );
          out[`${what} experts`] = await digest(Int32Array.from(experts));
        }
        const together = [session, ...others];
        together.forEach((s, i) => {
          s.setGriffin([density, density], method, 7);
          s.reset();
          s.prompt(ids(60 + 17 * i, 3 + i), false);
        });
        for (let step = 0; step < 3; step++) {
          const logits = NativeSession.decodeBatch(together, [4 + step, 9, 30 + step]);
          out[`${key} decoded together, step ${step}`] = await digest(logits);
        }
      }
    } finally {
      for (const s of others) s.close();
      session.close();
      model.close();
    }
  }
}
console.log(JSON.stringify(out));
