/*
 * Every architecture on the CUDA backend against the CPU backend (`deno task test:gpu`): the
 * tiny models of testdata/arch/ in f32 — logits at every position within 1e-4 relative, identical
 * experts and greedy tokens for every selection method at densities 1, 0.5 and 0.25, class- and
 * gen-mode log-probabilities within 1e-4 (mistral-window16: a window of 16 over 100 tokens, made
 * by transformers like the others) — and synthetic bf16 models of each form over 720 positions.
 */
import assert from "node:assert/strict";
import { relativeError } from "../testdata/assert_close.ts";
import { cudaDeviceCount } from "../ffi/library.ts";
import type { EngineConfig } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { NativeSession } from "../ffi/session.ts";
import { type EngineModel, openModel } from "../engine/open.ts";
import { GREEDY } from "../engine/sampler.ts";
import type { SelectionMethod } from "../engine/types.ts";
import { MID_LLAMA_FORM, OPT_PARTS } from "./_forms.ts";

const ARCHITECTURES = [
  "llama2",
  "relu-llama2",
  "llama3",
  "mistral",
  "qwen2",
  "gemma",
  "opt",
  "opt-350m",
  "mistral-window16",
];
const METHODS: SelectionMethod[] = ["topk", "sample", "topk_sample", "random", "magnitude"];

const devices = cudaDeviceCount();
const skip = devices === 0 ? " [skipped: no CUDA device]" : "";
const ignore = devices === 0;

function folder(name: string): string {
  return new URL(`../testdata/arch/${name}`, import.meta.url).pathname;
}

async function pair(path: string): Promise<[EngineModel, EngineModel]> {
  return [
    await openModel(path, { device: "cpu" }),
    await openModel(path, { device: "cuda:0", dtype: "f32" }),
  ];
}

/** Greedy generation and both scoring modes agree between the backends. */
function assertSameGriffin(cpu: EngineModel, gpu: EngineModel, prompt: number[], label: string) {
  for (const density of [1, 0.5, 0.25]) {
    for (const method of density === 1 ? ["topk" as const] : METHODS) {
      const griffin = { density, method, seed: 5 };
      const request = {
        promptIds: prompt,
        maxNewTokens: 16,
        sampling: GREEDY,
        griffin,
        stopTokenIds: [],
      };
      const a = cpu.generate(request), b = gpu.generate(request);
      const what = `${label}, ${method} at ${density}`;
      assert.deepEqual(b.experts, a.experts, `experts, ${what}`);
      assert.deepEqual(b.outputIds, a.outputIds, `greedy tokens, ${what}`);
      for (const mode of ["class", "gen"] as const) {
        const score = {
          contextIds: prompt.slice(0, 12),
          continuationIds: prompt.slice(12),
          mode,
          griffin,
        };
        const sa = cpu.score(score), sb = gpu.score(score);
        assert.deepEqual(sb.experts, sa.experts, `${mode} experts, ${what}`);
        assert.equal(sb.greedy, sa.greedy, `${mode} greedy, ${what}`);
        for (let i = 0; i < sa.logprobs.length; i++) {
          const close =
            Math.abs(sa.logprobs[i] - sb.logprobs[i]) <= 1e-4 * (1 + Math.abs(sa.logprobs[i]));
          assert.ok(close, `${mode} logprob ${i}, ${what}: ${sb.logprobs[i]} vs ${sa.logprobs[i]}`);
        }
      }
    }
  }
}

for (const name of ARCHITECTURES) {
  Deno.test({
    name:
      `${name} on the GPU (f32): logits, experts, greedy tokens and scores match the CPU${skip}`,
    ignore,
    fn: async () => {
      const reference = JSON.parse(Deno.readTextFileSync(`${folder(name)}.json`));
      const prompt: number[] = reference.full_logits[0].prompt_ids;
      const [cpu, gpu] = await pair(folder(name));
      try {
        const error = relativeError(
          gpu.session.prompt(new Int32Array(prompt), true),
          cpu.session.prompt(new Int32Array(prompt), true),
        );
        console.log(`${name}: logits at every position, rel error ${error.toExponential(2)}`);
        assert.ok(error < 1e-4, `${name}: ${error}`);
        assertSameGriffin(cpu, gpu, prompt, name);
      } finally {
        cpu.close();
        gpu.close();
      }
    },
  });
}

/** Mid-sized synthetic models of each architecture's form, for bf16 over long sequences. */
const FORMS: Record<string, EngineConfig> = {
  gemma: {
    ...MID_LLAMA_FORM,
    activation: "gelu_tanh",
    norm: "rms_one_plus",
    embedScale: 32,
    kvHeads: 1,
    headDim: 256,
    tiedEmbeddings: true,
  },
  opt: { ...MID_LLAMA_FORM, ...OPT_PARTS, tiedEmbeddings: true },
  qwen2: { ...MID_LLAMA_FORM, biases: { qkv: true } },
  mistral: { ...MID_LLAMA_FORM, slidingWindow: 200 },
};

for (const [form, config] of Object.entries(FORMS)) {
  Deno.test({
    name: `a synthetic ${form}-form model in bf16 tracks the CPU over 720 positions${skip}`,
    ignore,
    fn: () => {
      const models = [-1, 0].map((device) => {
        const m = new NativeModel(config, device);
        m.synthesize(11n);
        m.finalize();
        return m;
      });
      const sessions = models.map((m) => new NativeSession(m, 1024));
      try {
        const ids = Int32Array.from({ length: 640 }, (_, i) => (i * 7919) % 4096);
        for (const density of [1, 0.5]) {
          const steps = sessions.map((s) => {
            s.setGriffin([density, density, density], "topk", 0);
            const out = [s.prompt(ids)];
            for (let t = 0; t < 80; t++) out.push(s.decode((t * 31) % 4096));
            return out;
          });
          let worst = 0;
          for (let t = 0; t < steps[0].length; t++) {
            worst = Math.max(worst, relativeError(steps[1][t], steps[0][t]));
          }
          console.log(`${form} bf16 at ${density}: worst rel error ${worst.toExponential(2)}`);
          if (density === 1) {
            assert.ok(worst < 2e-2, `${form}: ${worst}`);
            continue;
          }
          for (let l = 0; l < 3; l++) { // near-tied neurons may swap with 16-bit prompt GEMMs
            const kept = new Set(sessions[0].experts(l)!);
            const shared = sessions[1].experts(l)!.filter((j) => kept.has(j)).length;
            assert.ok(shared / kept.size >= 0.9, `${form} layer ${l}: ${shared} of ${kept.size}`);
          }
        }
      } finally {
        sessions.forEach((s) => s.close());
        models.forEach((m) => m.close());
      }
    },
  });
}

Deno.test({
  name: `synthetic weights drawn on the GPU are the ones the CPU draws from the same seed${skip}`,
  ignore,
  fn: () => {
    for (const dtype of ["f32", "bf16"] as const) {
      const config = { ...FORMS.opt, dtype, layers: 2 };
      const [cpu, gpu] = [-1, 0].map((device) => {
        const m = new NativeModel(config, device);
        m.synthesize(3n);
        m.finalize();
        return m;
      });
      try {
        for (let l = 0; l < 2; l++) { // ‖W_1[j]‖ of every neuron, from each device's own weights
          const a = cpu.neuronMagnitudes(l), b = gpu.neuronMagnitudes(l);
          for (let j = 0; j < a.length; j++) {
            assert.ok(Math.abs(a[j] - b[j]) <= 1e-6 * a[j], `${dtype} layer ${l} neuron ${j}`);
          }
        }
      } finally {
        cpu.close();
        gpu.close();
      }
    }
  },
});
