/**
 * `deno task bench:engine`: the engine's speed on the GPU — synthetic shapes of the paper's
 * models in bf16 (Llama-2-7B, Llama-2-13B and Mistral-7B by default; `--shapes` also takes
 * gemma-7b, gemma-2b, opt-6.7b, opt-13b, qwen2-7b), a 512-token prompt and 128 new tokens, at densities 1, 0.75,
 * 0.5 and 0.25: prompt-phase ms (the median of five), selection ms, how much longer the prompt
 * phase takes than at density 1 (what selection adds), decode ms/token, tokens/s, bytes read per token,
 * achieved GB/s and percent of the measured read bandwidth, the speed-up over density 1 beside
 * its bytes ceiling, and device memory. Writes the table
 * (Markdown) and the rows (JSON) to --out.
 *
 *   deno task bench:engine [--shapes llama2-7b,llama2-13b,mistral-7b] [--device cuda:0]
 *     [--densities 1,0.75,0.5,0.25] [--prompt-tokens 512] [--new-tokens 128]
 *     [--out results/engine_speed]
 *
 * @module
 */
import { openModel } from "../engine/open.ts";
import { GREEDY } from "../engine/sampler.ts";
import { parseDevice } from "../engine/device.ts";
import { buildInfo, deviceMemory, readBandwidth } from "../ffi/library.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import type { EngineConfig } from "../ffi/config.ts";

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

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1] : fallback;
}

if (import.meta.main) {
  const shapes = flag("shapes", "llama2-7b,llama2-13b,mistral-7b").split(",");
  const deviceName = flag("device", "cuda:0");
  const promptTokens = Number(flag("prompt-tokens", "512"));
  const newTokens = Number(flag("new-tokens", "128"));
  const out = flag("out", "results/engine_speed");
  let densities: number[];
  try {
    densities = parseDensities(flag("densities", "1,0.75,0.5,0.25"));
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const device = parseDevice(deviceName);
  const bandwidth = device >= 0 ? readBandwidth(device) : NaN;
  console.log(`${buildInfo()}; read bandwidth ${bandwidth.toFixed(0)} GB/s`);
  const rows: SpeedRow[] = [];
  for (const shape of shapes) {
    const started = performance.now();
    const model = await openModel(`synthetic:${shape}`, {
      device: deviceName,
      dtype: "bf16",
      contextLength: promptTokens + newTokens,
    });
    console.log(`${shape}: built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const config = { ...SYNTHETIC_SHAPES[shape], dtype: "bf16" as const };
    const prompt = Array.from(
      { length: promptTokens },
      (_, i) => 3 + (i * 7919) % (config.vocabSize - 3),
    );
    try {
      for (const density of densities) {
        const run = (tokens = newTokens) =>
          model.generate({
            promptIds: prompt,
            maxNewTokens: tokens,
            sampling: GREEDY,
            griffin: { density, method: "topk", seed: 0 },
            stopTokenIds: [],
          });
        run(); // warm-up: graph capture, cuBLAS heuristics
        const result = run();
        const t = result.timings;
        const median = middle(t.tokenMs);
        // the prompt phase alone, a few more times: the median against noise
        const prompts = [t.promptMs];
        const selections = [t.selectionMs];
        for (let i = 0; i < PROMPT_REPEATS; i++) {
          const again = run(1).timings;
          prompts.push(again.promptMs);
          selections.push(again.selectionMs);
        }
        const bytes = bytesPerToken(config, density, promptTokens + newTokens / 2);
        const gbPerSecond = bytes / (median / 1000) / 1e9;
        rows.push({
          shape,
          density,
          promptMs: middle(prompts),
          selectionMs: middle(selections),
          decodeMsPerToken: median,
          tokensPerSecond: 1000 / median,
          bytesPerToken: bytes,
          gbPerSecond,
          percentOfBandwidth: 100 * gbPerSecond / bandwidth,
          memoryBytes: device >= 0 ? deviceMemory(device).used : 0,
          outputHash: idsHash(result.outputIds),
          bytesCeiling: bytesCeiling(config, density, promptTokens + newTokens / 2),
        });
        const r = rows.at(-1)!;
        console.log(
          `${shape} d=${density}: prompt ${r.promptMs.toFixed(2)} ms (selection ` +
            `${r.selectionMs.toFixed(2)}), decode ${r.decodeMsPerToken.toFixed(3)} ms/token, ` +
            `${r.tokensPerSecond.toFixed(0)} tok/s, ${r.gbPerSecond.toFixed(0)} GB/s ` +
            `(${r.percentOfBandwidth.toFixed(1)}%), output ${r.outputHash}`,
        );
      }
    } finally {
      model.close();
    }
  }
  const header = "| shape | density | prompt ms | selection ms | selection adds | " +
    "decode ms/token | tokens/s | GB read/token | GB/s | % of read bandwidth | " +
    "speed-up over full | bytes ceiling | device memory GiB |";
  const lines = [header, "|" + " --- |".repeat(13)];
  for (const r of rows) {
    const full = rows.find((x) => x.shape === r.shape && x.density === 1);
    const adds = full ? `${(100 * (r.promptMs / full.promptMs - 1)).toFixed(1)}%` : "—";
    lines.push(
      `| ${r.shape} | ${r.density} | ${r.promptMs.toFixed(2)} | ${r.selectionMs.toFixed(2)} | ` +
        `${adds} | ` +
        `${r.decodeMsPerToken.toFixed(3)} | ${r.tokensPerSecond.toFixed(0)} | ` +
        `${(r.bytesPerToken / 1e9).toFixed(2)} | ${r.gbPerSecond.toFixed(0)} | ` +
        `${r.percentOfBandwidth.toFixed(1)} | ${
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
      { build: buildInfo(), bandwidthGBs: bandwidth, promptTokens, newTokens, rows },
      null,
      1,
    ),
  );
  console.log(table);
}
