/**
 * `deno task bench:engine`: the engine's speed — on the GPU, synthetic shapes of the paper's
 * models in bf16 (Llama-2-7B, Llama-2-13B and Mistral-7B by default; `--shapes` also takes
 * gemma-7b, gemma-2b, opt-6.7b, opt-13b, qwen2-7b), a 512-token prompt and 128 new tokens; on the CPU
 * (`--device cpu`), a synthetic 1.1B Llama shape and models/griffin-mini-llama in F32, a
 * 64-token prompt, 64 new tokens, three rounds that alternate the densities (a shared machine's
 * noise falls on every density alike) — at densities 1, 0.75, 0.5 and 0.25: prompt-phase ms
 * (the median of five runs, or of the rounds), selection ms, how much longer the prompt phase
 * takes than at density 1 (what selection, and on the CPU the gathering of the experts, adds),
 * decode ms/token (the median token), tokens/s, bytes read per token, achieved GB/s and percent
 * of the measured read bandwidth (GPU), the speed-up over density 1 beside its bytes ceiling,
 * and device memory (GPU) or the process's resident memory (CPU). Writes the table (Markdown) and the rows (JSON) to --out.
 *
 *   deno task bench:engine [--shapes llama2-7b,llama2-13b,mistral-7b] [--device cuda:0]
 *     [--densities 1,0.75,0.5,0.25] [--prompt-tokens 512] [--new-tokens 128] [--rounds 1]
 *     [--dtype bf16] [--out results/engine_speed]
 *
 * A shape is a synthetic:NAME or, with a "/" in it, a model folder. Decoding is greedy, each token
 * the engine's argmax (gf_decode_greedy); GRIFFIN_DEVICE_GREEDY=0 brings each step's logits to the
 * host instead, as sampled decoding does.
 *
 * @module
 */
import { openModel } from "../engine/open.ts";
import { GREEDY } from "../engine/sampler.ts";
import { parseDevice } from "../engine/device.ts";
import { buildInfo, deviceMemory, readBandwidth } from "../ffi/library.ts";
import { type DType, DTYPES, type EngineConfig } from "../ffi/config.ts";
import { flag } from "./flag.ts";

/** One measured setting. */
export interface SpeedRow {
  shape: string;
  density: number;
  promptMs: number;
  selectionMs: number;
  decodeMsPerToken: number;
  tokensPerSecond: number;
  bytesPerToken: number;
  gbPerSecond: number;
  percentOfBandwidth: number;
  memoryBytes: number;
  /** A hash of the greedy output ids: equal across switches that must not change the result. */
  outputHash: string;
  /** Bytes a step reads at density 1 over those at this density: the speed-up's ceiling. */
  bytesCeiling: number;
}

/** FNV-1a over the ids, as 8 hex digits. */
export function idsHash(ids: number[]): string {
  let h = 0x811c9dc5;
  for (const id of ids) {
    h ^= id;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * Bytes a decoding step reads at a density: attention and LM head, the kept share of the FF
 * weights (three matrices in a gated block, two in a plain one) and of its biases, norms, biases,
 * a learned position row, OPT-350m's projections, and the KV cache up to `position` (the last
 * `slidingWindow` positions with a window).
 */
export function bytesPerToken(c: EngineConfig, density: number, position: number): number {
  const size = c.dtype === "f32" ? 4 : 2;
  const h = c.hiddenSize, q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  const width = c.embedDim ?? h;
  const kept = Math.floor(c.ffSize * density);
  const b = c.biases ?? {};
  const vectors = (c.norm === "layernorm" ? 4 : 2) * h + (b.qkv ? q + 2 * kv : 0) +
    (b.o ? h : 0) + (b.ff ? (c.gated ? 2 : 1) * kept + h : 0);
  const attended = c.slidingWindow ? Math.min(position, c.slidingWindow) : position;
  const perLayer = (h * (q + 2 * kv) + q * h + (c.gated ? 3 : 2) * kept * h) * size +
    vectors * 4 + 2 * attended * kv * size;
  const extras = (c.learnedPositions ? h * size : 0) + (width !== h ? 2 * h * width * size : 0);
  const finalNorm = c.noFinalNorm ? 0 : (c.norm === "layernorm" ? 2 : 1) * h * 4;
  return c.layers * perLayer + c.vocabSize * width * size + finalNorm + extras;
}

/** The speed-up the bytes allow: bytes a step reads at density 1 over those at `density`. */
export function bytesCeiling(c: EngineConfig, density: number, position: number): number {
  return bytesPerToken(c, 1, position) / bytesPerToken(c, density, position);
}

/** Extra prompt-phase runs per setting, whose median the table reports. */
const PROMPT_REPEATS = 4;

/** The median of a non-empty list. */
export function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The --densities list: numbers in (0, 1], or an error that names the flag and the bad entry. */
export function parseDensities(text: string): number[] {
  return text.split(",").map((entry) => {
    const density = Number(entry);
    if (entry.trim() === "" || !(density > 0 && density <= 1)) {
      throw new Error(`--densities: "${entry}" is not a density in (0, 1] (e.g. 1,0.5)`);
    }
    return density;
  });
}

/** A figure for the table, or "—" where there is none (no bandwidth measured on the CPU). */
function figure(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

/** Bytes of memory the run holds: the GPU's used memory, or this process's resident set. */
function memoryHeld(device: number): number {
  return device >= 0 ? deviceMemory(device).used : Deno.memoryUsage().rss;
}

/**
 * How the CUDA backend decodes, as GRIFFIN_STEP_KERNEL asks it: one persistent launch a step
 * (`1`, or `require`) or a graph of kernels (unset or anything else).
 *
 * @example
 * ```ts
 * import { decodingPath } from "./engine_speed.ts";
 * console.assert(decodingPath(undefined) === "decoding: a graph of kernels a step");
 * ```
 */
export function decodingPath(stepKernel: string | undefined): string {
  return stepKernel === "1" || stepKernel === "require"
    ? "decoding: one persistent launch a step (GRIFFIN_STEP_KERNEL)"
    : "decoding: a graph of kernels a step";
}

if (import.meta.main) {
  const deviceName = flag("device", "cuda:0");
  const device = parseDevice(deviceName);
  const cpu = device < 0;
  // the CPU: a 1.1B Llama shape (bandwidth-bound) and the shipped 5.9M model, in F32 (what the
  // CPU keeps checkpoints in), a shorter prompt, rounds that alternate the densities
  const shapes = flag(
    "shapes",
    cpu ? "llama-1b,models/griffin-mini-llama" : "llama2-7b,llama2-13b,mistral-7b",
  )
    .split(",");
  const dtype = flag("dtype", cpu ? "f32" : "bf16") as DType;
  const promptTokens = Number(flag("prompt-tokens", cpu ? "64" : "512"));
  const newTokens = Number(flag("new-tokens", cpu ? "64" : "128"));
  const rounds = Number(flag("rounds", cpu ? "3" : "1"));
  const out = flag("out", cpu ? "results/engine_speed_cpu" : "results/engine_speed");
  let densities: number[];
  try {
    densities = parseDensities(flag("densities", "1,0.75,0.5,0.25"));
    if (!(dtype in DTYPES)) {
      throw new Error(`--dtype: "${dtype}" is not one of ${Object.keys(DTYPES).join(", ")}`);
    }
    if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error("--rounds: a whole number ≥ 1");
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const bandwidth = cpu ? NaN : readBandwidth(device);
  const threads = Deno.env.get("OMP_NUM_THREADS") ?? String(navigator.hardwareConcurrency);
  // the GPU's decoding path: one persistent launch a step, or the graph of kernels (the default)
  const decoding = cpu ? undefined : decodingPath(Deno.env.get("GRIFFIN_STEP_KERNEL"));
  console.log(
    `${buildInfo()}; ${
      cpu ? `CPU, ${threads} threads` : `read bandwidth ${bandwidth.toFixed(0)} GB/s; ${decoding}`
    }`,
  );
  const rows: SpeedRow[] = [];
  for (const shape of shapes) {
    const started = performance.now();
    const folder = shape.includes("/");
    const model = await openModel(folder ? shape : `synthetic:${shape}`, {
      device: deviceName,
      dtype,
      contextLength: promptTokens + newTokens,
    });
    console.log(`${shape}: built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const config = model.native.config;
    const prompt = Array.from(
      { length: promptTokens },
      (_, i) => 3 + (i * 7919) % (config.vocabSize - 3),
    );
    const deviceGreedy = Deno.env.get("GRIFFIN_DEVICE_GREEDY") !== "0";
    try {
      const run = (density: number, tokens = newTokens) =>
        model.generate({
          promptIds: prompt,
          maxNewTokens: tokens,
          sampling: GREEDY,
          griffin: { density, method: "topk", seed: 0 },
          stopTokenIds: [],
        }, { deviceGreedy });
      // per density: every token's ms, prompt and selection ms of every run, the last output
      const tokens = densities.map(() => [] as number[]);
      const prompts = densities.map(() => [] as number[]);
      const selections = densities.map(() => [] as number[]);
      const outputs: number[][] = [];
      const memory: number[] = [];
      for (let round = 0; round < rounds; round++) {
        densities.forEach((density, d) => {
          if (round === 0) run(density, cpu ? 2 : newTokens); // warm-up: graph capture, cuBLAS heuristics
          const result = run(density);
          tokens[d].push(...result.timings.tokenMs);
          prompts[d].push(result.timings.promptMs);
          selections[d].push(result.timings.selectionMs);
          outputs[d] = result.outputIds;
          memory[d] = memoryHeld(device);
          if (round > 0 || cpu) return;
          // the prompt phase alone, a few more times: the median against noise
          for (let i = 0; i < PROMPT_REPEATS; i++) {
            const again = run(density, 1).timings;
            prompts[d].push(again.promptMs);
            selections[d].push(again.selectionMs);
          }
        });
      }
      densities.forEach((density, d) => {
        const median = middle(tokens[d]);
        const bytes = bytesPerToken(config, density, promptTokens + newTokens / 2);
        const gbPerSecond = bytes / (median / 1000) / 1e9;
        rows.push({
          shape,
          density,
          promptMs: middle(prompts[d]),
          selectionMs: middle(selections[d]),
          decodeMsPerToken: median,
          tokensPerSecond: 1000 / median,
          bytesPerToken: bytes,
          gbPerSecond,
          percentOfBandwidth: 100 * gbPerSecond / bandwidth,
          memoryBytes: memory[d],
          outputHash: idsHash(outputs[d]),
          bytesCeiling: bytesCeiling(config, density, promptTokens + newTokens / 2),
        });
        const r = rows.at(-1)!;
        console.log(
          `${shape} d=${density}: prompt ${r.promptMs.toFixed(2)} ms (selection ` +
            `${r.selectionMs.toFixed(2)}), decode ${r.decodeMsPerToken.toFixed(3)} ms/token, ` +
            `${r.tokensPerSecond.toFixed(0)} tok/s, ${r.gbPerSecond.toFixed(0)} GB/s ` +
            `(${figure(r.percentOfBandwidth, 1)}%), output ${r.outputHash}`,
        );
      });
    } finally {
      model.close();
    }
  }
  const header = "| shape | density | prompt ms | selection ms | selection adds | " +
    "decode ms/token | tokens/s | GB read/token | GB/s | % of read bandwidth | " +
    `speed-up over full | bytes ceiling | ${cpu ? "process memory" : "device memory"} GiB |`;
  const lines = [header, "|" + " --- |".repeat(13)];
  for (const r of rows) {
    const full = rows.find((x) => x.shape === r.shape && x.density === 1);
    const adds = full ? `${(100 * (r.promptMs / full.promptMs - 1)).toFixed(1)}%` : "—";
    lines.push(
      `| ${r.shape} | ${r.density} | ${r.promptMs.toFixed(2)} | ${r.selectionMs.toFixed(2)} | ` +
        `${adds} | ` +
        `${r.decodeMsPerToken.toFixed(3)} | ${r.tokensPerSecond.toFixed(0)} | ` +
        `${(r.bytesPerToken / 1e9).toFixed(r.bytesPerToken < 1e8 ? 3 : 2)} | ` +
        `${r.gbPerSecond.toFixed(cpu ? 1 : 0)} | ${figure(r.percentOfBandwidth, 1)} | ${
          full ? (r.tokensPerSecond / full.tokensPerSecond).toFixed(2) : "—"
        } | ${r.bytesCeiling.toFixed(2)} | ` +
        `${(r.memoryBytes / 2 ** 30).toFixed(1)} |`,
    );
  }
  const table = lines.join("\n");
  Deno.mkdirSync(out, { recursive: true });
  Deno.writeTextFileSync(`${out}/engine.md`, table + "\n");
  Deno.writeTextFileSync(
    `${out}/engine.json`,
    JSON.stringify(
      {
        build: buildInfo(),
        device: deviceName,
        dtype,
        threads: cpu ? Number(threads) : undefined,
        bandwidthGBs: bandwidth,
        decoding,
        promptTokens,
        newTokens,
        rounds,
        command: ["deno task bench:engine", ...Deno.args].join(" "),
        rows,
      },
      null,
      1,
    ),
  );
  console.log(table);
}
