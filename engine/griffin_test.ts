/* GRIFFIN's semantics in the engine, held to GRIFFIN.md on the stories260K fixture. */
import assert from "node:assert/strict";
import { type EngineModel, openModel } from "./open.ts";
import { sharedSkip, stories260K } from "../testdata/fixtures.ts";
import { folderTensors, writeModelFolder } from "../testdata/model_folders.ts";

const ignore = sharedSkip !== "";
const PROMPT = [1, 403, 407, 261, 378, 283, 1384, 1109, 267, 296, 261, 1006, 505, 29, 296];
const FF = 172;

async function withFixture(fn: (m: EngineModel) => void | Promise<void>, folder = stories260K) {
  const model = await openModel(folder, { device: "cpu" });
  try {
    await fn(model);
  } finally {
    model.close();
  }
}

/** Independent recomputation of s_j from activations Z (rows × ff). */
function scoresFrom(z: Float32Array, rows: number, ff: number): number[] {
  const s = new Array(ff).fill(0);
  for (let t = 0; t < rows; t++) {
    let norm = 0;
    for (let j = 0; j < ff; j++) norm += z[t * ff + j] ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < ff; j++) s[j] += (z[t * ff + j] / norm) ** 2;
  }
  return s.map(Math.sqrt);
}

function topk(scores: ArrayLike<number>, k: number): number[] {
  const idx = Array.from(scores, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, k).sort((a, b) => a - b);
}

const ids = (a: number[]) => new Int32Array(a.filter((x) => x < 512));

Deno.test({
  name:
    `experts equal the top-k of scores recomputed from the dumped prompt activations${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      for (const density of [0.75, 0.5, 0.25, 0.1]) {
        s.reset();
        s.setCapture(true);
        s.setGriffin(Array(5).fill(density), "topk", 0);
        s.prompt(ids(PROMPT));
        for (let l = 0; l < 5; l++) {
          const { rows, data } = s.activations(l);
          assert.equal(rows, ids(PROMPT).length);
          const expected = scoresFrom(data, rows, FF);
          const engine = s.neuronScores(l)!;
          for (let j = 0; j < FF; j++) assert.ok(Math.abs(engine[j] - expected[j]) < 1e-5);
          assert.deepEqual([...s.experts(l)!], topk(expected, Math.floor(FF * density)));
        }
      }
    }),
});

Deno.test({
  name: `density 1 equals the full model bit for bit, incremental decoding included${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      const input = ids(PROMPT);
      // one pass over the whole sequence (class mode at density 1 selects nothing)
      s.reset();
      s.setGriffin(Array(5).fill(1), "topk", 0);
      const full = s.forwardClass(input);
      // prompt phase over the first 5 tokens, then the rest one by one in the generation phase
      for (const method of ["topk", "magnitude", "random"] as const) {
        s.reset();
        s.setGriffin(Array(5).fill(1), method, 3);
        const rows = [s.prompt(input.slice(0, 5), true)];
        for (let t = 5; t < input.length; t++) rows.push(s.decode(input[t]));
        const joined = new Float32Array(full.length);
        let at = 0;
        for (const r of rows) joined.set(r, (at += r.length) - r.length);
        assert.deepEqual(joined, full);
        for (let l = 0; l < 5; l++) assert.equal(s.experts(l), null);
      }
    }),
});

Deno.test({
  name: `density 0 makes the generation-phase FF output exactly zero${sharedSkip}`,
  ignore,
  fn: async () => {
    // With one layer the KV cache does not depend on the FF block, so the generation phase at
    // density 0 must equal, bit for bit, a model whose W_down is zero.
    const dir = await Deno.makeTempDir();
    try {
      const all = folderTensors(stories260K);
      const oneLayer = new Map([...all].filter(([n]) => !/layers\.[1-9]/.test(n)));
      writeModelFolder(`${dir}/one`, stories260K, oneLayer, { config: { num_hidden_layers: 1 } });
      const zeroed = new Map(oneLayer);
      for (const [name, t] of zeroed) {
        if (name.endsWith("down_proj.weight")) {
          zeroed.set(name, { ...t, data: new Uint8Array(t.data.length) });
        }
      }
      writeModelFolder(`${dir}/zero`, stories260K, zeroed, { config: { num_hidden_layers: 1 } });
      const input = ids(PROMPT);
      const decodeRows = async (folder: string, density: number) => {
        const model = await openModel(folder, { device: "cpu" });
        try {
          const s = model.session;
          s.setGriffin([density], "topk", 0);
          s.prompt(input.slice(0, 6));
          assert.deepEqual(s.experts(0), density < 1 ? new Int32Array(0) : null);
          return [...input.slice(6)].map((t) => s.decode(t));
        } finally {
          model.close();
        }
      };
      const griffinZero = await decodeRows(`${dir}/one`, 0);
      assert.deepEqual(griffinZero, await decodeRows(`${dir}/zero`, 1));
      assert.notDeepEqual(griffinZero, await decodeRows(`${dir}/one`, 1));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `class mode changes only the last position's logits${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      const input = ids(PROMPT);
      s.setGriffin(Array(5).fill(1), "topk", 0);
      const full = s.forwardClass(input);
      for (const method of ["topk", "magnitude"] as const) {
        s.setGriffin(Array(5).fill(0.5), method, 0);
        const pruned = s.forwardClass(input);
        const cut = (input.length - 1) * 512;
        assert.deepEqual(pruned.slice(0, cut), full.slice(0, cut));
        assert.notDeepEqual(pruned.slice(cut), full.slice(cut));
      }
    }),
});

Deno.test({
  name: `class mode selects experts from every position but the last${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      const input = ids(PROMPT);
      s.setCapture(true);
      s.setGriffin(Array(5).fill(0.5), "topk", 0);
      s.forwardClass(input);
      for (let l = 0; l < 5; l++) {
        const { rows, data } = s.activations(l);
        assert.equal(rows, input.length);
        const expected = topk(scoresFrom(data, rows - 1, FF), 86);
        assert.deepEqual([...s.experts(l)!], expected);
      }
    }),
});

Deno.test({
  name:
    `sampled methods are seeded and keep k neurons, k - 1 for topk_sample at odd k${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      const input = ids(PROMPT);
      const experts = (
        method: "sample" | "topk_sample" | "random",
        density: number,
        seed: number,
      ) => {
        s.reset();
        s.setGriffin(Array(5).fill(density), method, seed);
        s.prompt(input);
        return [0, 1, 2, 3, 4].map((l) => [...s.experts(l)!]);
      };
      for (const method of ["sample", "topk_sample", "random"] as const) {
        for (const density of [0.5, 0.3]) {
          const k = Math.floor(FF * density); // 86 (even), 51 (odd)
          const kept = method === "topk_sample" ? 2 * Math.floor(k / 2) : k;
          const a = experts(method, density, 11);
          for (const layer of a) {
            assert.equal(layer.length, kept, `${method} at ${density}`);
            assert.equal(new Set(layer).size, kept);
          }
          assert.deepEqual(experts(method, density, 11), a);
          assert.notDeepEqual(experts(method, density, 12), a);
        }
      }
    }),
});

Deno.test({
  name: `topk_sample keeps the k // 2 highest-scoring neurons${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      s.setCapture(true);
      s.setGriffin(Array(5).fill(0.5), "topk_sample", 5);
      s.prompt(ids(PROMPT));
      for (let l = 0; l < 5; l++) {
        const { rows, data } = s.activations(l);
        const top = topk(scoresFrom(data, rows, FF), 43);
        const chosen = new Set(s.experts(l)!);
        for (const j of top) assert.ok(chosen.has(j));
      }
    }),
});

Deno.test({
  name:
    `magnitude experts are the static top-k of ‖W_gate[j]‖·‖W_up[j]‖, the same for any prompt${sharedSkip}`,
  ignore,
  fn: async () => {
    const tensors = folderTensors(stories260K);
    const rowNorms = (name: string) => {
      const t = tensors.get(name)!;
      const v = new Float32Array(t.data.slice().buffer);
      const cols = t.shape[1];
      return Array.from({ length: t.shape[0] }, (_, r) => {
        let ss = 0;
        for (let c = 0; c < cols; c++) ss += v[r * cols + c] ** 2;
        return Math.sqrt(ss);
      });
    };
    await withFixture((m) => {
      const s = m.session;
      for (const prompt of [PROMPT.slice(0, 5), PROMPT]) {
        s.reset();
        s.setGriffin(Array(5).fill(0.5), "magnitude", 0);
        s.prompt(ids(prompt));
        for (let l = 0; l < 5; l++) {
          const gate = rowNorms(`model.layers.${l}.mlp.gate_proj.weight`);
          const up = rowNorms(`model.layers.${l}.mlp.up_proj.weight`);
          const magnitude = gate.map((g, j) => g * up[j]);
          assert.deepEqual([...s.experts(l)!], topk(magnitude, 86));
          const engine = m.native.neuronMagnitudes(l);
          for (let j = 0; j < FF; j++) assert.ok(Math.abs(engine[j] - magnitude[j]) < 1e-5);
        }
      }
    });
  },
});

Deno.test({
  name: `the prompt phase's own logits are exact whatever the density${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      const input = ids(PROMPT);
      s.setGriffin(Array(5).fill(1), "topk", 0);
      const full = s.prompt(input, true);
      for (const density of [0.5, 0]) {
        s.reset();
        s.setGriffin(Array(5).fill(density), "topk", 0);
        assert.deepEqual(s.prompt(input, true), full);
      }
    }),
});

Deno.test({
  name:
    `a per-layer density schedule keeps floor(d_ff × density) experts in each layer${sharedSkip}`,
  ignore,
  fn: () =>
    withFixture((m) => {
      const s = m.session;
      const schedule = [1, 0.9, 0.5, 0.25, 0];
      s.setGriffin(schedule, "topk", 0);
      s.prompt(ids(PROMPT));
      assert.equal(s.experts(0), null);
      assert.deepEqual(
        [1, 2, 3, 4].map((l) => s.experts(l)!.length),
        [154, 86, 43, 0],
      );
    }),
});
