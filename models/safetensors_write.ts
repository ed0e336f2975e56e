/**
 * Writes safetensors files: for tests that build model folders (sharded, converted, damaged)
 * and for tools that save tensors.
 *
 * @module
 */
import type { DType } from "../ffi/config.ts";

/** One tensor to write: its dtype, shape and raw little-endian bytes. */
export interface TensorData {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

const NAMES: Record<DType, string> = { f32: "F32", f16: "F16", bf16: "BF16" };

/**
 * The bytes of a safetensors file holding these tensors (in the map's order).
 *
 * @example
 * ```ts
 * import { encodeSafetensors } from "./safetensors_write.ts";
 * const bytes = encodeSafetensors(new Map([["w", { dtype: "f32", shape: [1], data: new Uint8Array(4) }]]));
 * console.assert(bytes.length > 12);
 * ```
 */
export function encodeSafetensors(tensors: Map<string, TensorData>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = {
      dtype: NAMES[t.dtype],
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // data aligned to 8 bytes
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

/** Writes tensors to a safetensors file. */
export function writeSafetensors(file: string, tensors: Map<string, TensorData>): void {
  Deno.writeFileSync(file, encodeSafetensors(tensors));
}

/** Reads every tensor of a safetensors file into memory (small files: tests and tools). */
export function readSafetensorsData(file: string): Map<string, TensorData> {
  const bytes = Deno.readFileSync(file);
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const out = new Map<string, TensorData>();
  const dtypes: Record<string, DType> = { F32: "f32", F16: "f16", BF16: "bf16" };
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: [begin, end] } = v as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    const data = bytes.slice(8 + headerLength + begin, 8 + headerLength + end);
    out.set(name, { dtype: dtypes[dtype], shape, data });
  }
  return out;
}
