/**
 * Builds model folders for tests: copies of a fixture with changed tensors, other dtypes,
 * shards, or damage.
 *
 * @module
 */
import type { DType } from "../ffi/config.ts";
import {
  readSafetensorsData,
  type TensorData,
  writeSafetensors,
} from "../models/safetensors_write.ts";

/** The tensors of a model folder's single model.safetensors. */
export function folderTensors(folder: string): Map<string, TensorData> {
  return readSafetensorsData(`${folder}/model.safetensors`);
}

/** A tensor as float32 values. */
export function toFloat32(t: TensorData): Float32Array {
  const b = t.data;
  if (t.dtype === "f32") {
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  const halves = new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  if (t.dtype === "f16") return Float32Array.from(new Float16Array(halves.buffer));
  const out = new Float32Array(halves.length);
  new Uint32Array(out.buffer).set(Uint32Array.from(halves, (h) => h << 16));
  return out;
}

/** A tensor converted to another dtype (round to nearest even). */
export function convertTensor(t: TensorData, dtype: DType): TensorData {
  const values = toFloat32(t);
  if (dtype === "f32") return { dtype, shape: t.shape, data: new Uint8Array(values.buffer) };
  if (dtype === "f16") {
    return { dtype, shape: t.shape, data: new Uint8Array(new Float16Array(values).buffer) };
  }
  const bits = new Uint32Array(values.buffer);
  const halves = Uint16Array.from(bits, (x) => (x + 0x7fff + ((x >>> 16) & 1)) >>> 16);
  return { dtype, shape: t.shape, data: new Uint8Array(halves.buffer) };
}

/**
 * Writes a model folder: config.json (optionally changed), tokenizer.json copied, and the
 * tensors in one file or `shards` files with an index.
 */
export function writeModelFolder(
  dir: string,
  from: string,
  tensors: Map<string, TensorData>,
  options: { shards?: number; config?: Record<string, unknown> } = {},
): string {
  Deno.mkdirSync(dir, { recursive: true });
  const config = JSON.parse(Deno.readTextFileSync(`${from}/config.json`));
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify({ ...config, ...options.config }));
  Deno.copyFileSync(`${from}/tokenizer.json`, `${dir}/tokenizer.json`);
  const shards = options.shards ?? 1;
  if (shards === 1) {
    writeSafetensors(`${dir}/model.safetensors`, tensors);
    return dir;
  }
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${
      String(shards).padStart(5, "0")
    }.safetensors`;
    const part = new Map(names.filter((_, i) => i % shards === s).map((n) => [n, tensors.get(n)!]));
    for (const n of part.keys()) weightMap[n] = file;
    writeSafetensors(`${dir}/${file}`, part);
  }
  Deno.writeTextFileSync(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  return dir;
}
