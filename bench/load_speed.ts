/**
 * How fast a Hugging Face folder loads: writes a sharded bf16 safetensors folder of a real shape
 * with random weights, loads it twice (the second with the page cache warm) onto a device,
 * prints GB/s and the loading process's memory once loaded, and deletes the folder. On the CPU
 * the engine reads weights straight into their place; on a GPU they stream from the file to the
 * device through two pinned 64 MiB buffers, so the host never holds the checkpoint.
 *
 *   deno run -A bench/load_speed.ts [--shape llama2-7b|llama2-13b|tinyllama-1b] [--device cpu|cuda:0]
 *     [--shards 3] [--dir /tmp]
 *
 * @module
 */
import { loadModelFolder } from "../models/load.ts";
import { parseDevice } from "../engine/device.ts";
import { expectedTensors } from "../models/tensor_names.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import type { EngineConfig } from "../ffi/config.ts";
import { encodeSafetensors, type TensorData } from "../models/safetensors_write.ts";
import { flag } from "./flag.ts";

/** TinyLlama-1.1B's shape (`synthetic:llama-1b`): a folder small enough for any test machine. */
const TINYLLAMA: EngineConfig = { ...SYNTHETIC_SHAPES["llama-1b"], maxPositions: 4096 };

/** bf16 bytes of pseudo-random values (never zeros: they can read faster than real data). */
function randomBf16(count: number, seed: number): Uint8Array {
  const words = new Uint16Array(count);
  let x = seed | 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = 0x3c00 | ((x >>> 16) & 0x1ff) | ((x & 1) << 15); // |v| in [2^-7, 2^-6), random sign
  }
  return new Uint8Array(words.buffer);
}

/** Writes a sharded folder of the shape; returns its size in bytes. */
export function writeFolder(dir: string, c: EngineConfig, shards: number): number {
  const config = {
    model_type: "llama",
    hidden_size: c.hiddenSize,
    intermediate_size: c.ffSize,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.maxPositions,
    rms_norm_eps: c.normEps,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tiedEmbeddings,
    torch_dtype: "bfloat16",
  };
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(config));
  const tensors = expectedTensors(c);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const file = `model-${s + 1}-of-${shards}.safetensors`;
    const part = new Map<string, TensorData>();
    tensors.filter((_, i) => i % shards === s).forEach((t, i) => {
      const count = t.shape.reduce((a, b) => a * b, 1);
      part.set(t.name, {
        dtype: "bf16",
        shape: t.shape,
        data: randomBf16(count, s * 7919 + i + 1),
      });
      weightMap[t.name] = file;
    });
    const bytes = encodeSafetensors(part);
    Deno.writeFileSync(`${dir}/${file}`, bytes);
    total += bytes.length;
  }
  Deno.writeTextFileSync(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ weight_map: weightMap }),
  );
  return total;
}

/** Loads `dir` in this process and prints seconds and the process's memory once loaded, as JSON. */
function loadOnce(dir: string, device: number): void {
  const start = performance.now();
  const { model } = loadModelFolder(dir, { device, dtype: "bf16" });
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ seconds, rss: Deno.memoryUsage().rss }));
  model.close();
}

if (import.meta.main) {
  const device = parseDevice(flag("device", "auto"));
  const only = flag("load-only", "");
  if (only) {
    loadOnce(only, device);
    Deno.exit(0);
  }
  const shapeName = flag("shape", "tinyllama-1b");
  const shape = shapeName === "tinyllama-1b"
    ? TINYLLAMA
    : { ...SYNTHETIC_SHAPES[shapeName], dtype: "bf16" as const };
  const dir = Deno.makeTempDirSync({ dir: flag("dir", "/tmp"), prefix: "load-speed-" });
  try {
    const bytes = writeFolder(dir, shape, Number(flag("shards", "3")));
    for (const pass of ["first (as written)", "second (page cache warm)"]) {
      // a fresh process per load: its memory once loaded is what the load holds on the host
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          import.meta.filename!,
          "--load-only",
          dir,
          "--device",
          flag("device", "auto"),
        ],
        stderr: "inherit",
      }).outputSync();
      if (!child.success) throw new Error(`the load of ${dir} failed`);
      const lines = new TextDecoder().decode(child.stdout).trim().split("\n");
      const { seconds, rss } = JSON.parse(lines[lines.length - 1]);
      console.log(
        `${shapeName} (${(bytes / 1e9).toFixed(2)} GB) onto ${flag("device", "auto")}, ${pass}: ` +
          `${seconds.toFixed(2)} s, ${(bytes / 1e9 / seconds).toFixed(2)} GB/s, ` +
          `process memory ${(rss / 1e9).toFixed(2)} GB once loaded`,
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
