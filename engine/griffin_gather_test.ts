/* The CPU's gathered experts (a contiguous copy made after the prompt phase) change no result:
 * every logit equals, bit for bit, what decoding reads in place (GRIFFIN_CPU_GATHER=0). */
import assert from "node:assert/strict";
import { layerDensities } from "./densities.ts";
import { argmax } from "./sampler.ts";
import { openModel } from "./open.ts";
import type { DType } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { NativeSession } from "../ffi/session.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";

/** The bits of every logit of a prompt phase and `steps` greedy generation-phase tokens. */
function decodeBits(
  session: NativeSession,
  prompt: number[],
  densities: number[],
  steps: number,
  gather: boolean,
): Uint32Array[] {
  const before = Deno.env.get("GRIFFIN_CPU_GATHER");
  Deno.env.set("GRIFFIN_CPU_GATHER", gather ? "1" : "0");
  try {
    session.reset();
    session.setGriffin(densities, "topk", 0);
    let logits = session.prompt(new Int32Array(prompt));
    const rows = [new Uint32Array(logits.buffer)];
    for (let i = 0; i < steps; i++) {
      logits = session.decode(argmax(logits));
      rows.push(new Uint32Array(logits.buffer));
    }
    return rows;
  } finally {
    if (before === undefined) Deno.env.delete("GRIFFIN_CPU_GATHER");
    else Deno.env.set("GRIFFIN_CPU_GATHER", before);
  }
}

/** The first logit whose bits differ, as "row r, logit i", or "" when all are equal. */
function firstDifference(a: Uint32Array[], b: Uint32Array[]): string {
  if (a.length !== b.length) return `${a.length} rows against ${b.length}`;
  for (let r = 0; r < a.length; r++) {
    if (a[r].length !== b[r].length) {
      return `row ${r}: ${a[r].length} logits against ${b[r].length}`;
    }
    for (let i = 0; i < a[r].length; i++) if (a[r][i] !== b[r][i]) return `row ${r}, logit ${i}`;
  }
  return "";
}

const cases: { id: string; dtype?: DType; what: string }[] = [
  { id: "models/griffin-mini-llama", what: "griffin-mini-llama (gated, F32)" },
  { id: "testdata/arch/opt", what: "OPT (plain block with biases)" },
  { id: "testdata/arch/relu-llama2", what: "ReLU-Llama" },
  { id: "synthetic:tiny", dtype: "bf16", what: "a bf16 model" },
  { id: "synthetic:tiny", dtype: "f16", what: "an f16 model" },
];

for (const { id, dtype, what } of cases) {
  Deno.test(`decoding through gathered experts equals decoding in place: ${what}`, async () => {
    const model = await openModel(id, { device: "cpu", dtype });
    try {
      const { layers, vocabSize } = model.info;
      const prompt = Array.from({ length: 24 }, (_, i) => 3 + (i * 7919) % (vocabSize - 3));
      const schedules = [
        layerDensities(0.5, layers),
        layerDensities(0.3, layers), // an expert count that is no multiple of 8
        Array.from({ length: layers }, (_, l) => [1, 0.5, 0, 0.75][l % 4]), // and 0, and 1
      ];
      for (const densities of schedules) {
        const inPlace = decodeBits(model.session, prompt, densities, 12, false);
        const gathered = decodeBits(model.session, prompt, densities, 12, true);
        assert.equal(firstDifference(gathered, inPlace), "", `densities ${densities.join(",")}`);
      }
    } finally {
      model.close();
    }
  });
}

Deno.test("a second sequence on the session gathers its own experts", async () => {
  const model = await openModel("models/griffin-mini-llama", { device: "cpu" });
  try {
    const s = model.session;
    const densities = layerDensities(0.5, model.info.layers);
    const first = Array.from({ length: 20 }, (_, i) => 5 + i * 31);
    const second = Array.from({ length: 30 }, (_, i) => 900 + i * 7);
    decodeBits(s, first, densities, 4, true);
    const again = decodeBits(s, second, densities, 8, true);
    assert.equal(firstDifference(again, decodeBits(s, second, densities, 8, false)), "");
  } finally {
    model.close();
  }
});

Deno.test("large gathered copies (mapped pages, not the heap) decode the same too", () => {
  // at density 0.5 each gathered matrix holds 2048 × 512 floats: 4 MiB, the size mapped
  const config = {
    ...SYNTHETIC_SHAPES["tiny"],
    layers: 2,
    hiddenSize: 512,
    ffSize: 4096,
    heads: 8,
    kvHeads: 4,
    headDim: 64,
    dtype: "f32" as const,
  };
  const model = new NativeModel(config, -1);
  let session: NativeSession | undefined;
  try {
    model.synthesize(3n);
    model.finalize();
    session = new NativeSession(model, 64);
    const prompt = Array.from({ length: 16 }, (_, i) => 3 + i * 29);
    for (const densities of [[0.5, 0.5], [0.75, 0.6]]) {
      const inPlace = decodeBits(session, prompt, densities, 6, false);
      const gathered = decodeBits(session, prompt, densities, 6, true);
      assert.equal(firstDifference(gathered, inPlace), "", `densities ${densities.join(",")}`);
    }
  } finally {
    session?.close();
    model.close();
  }
});
