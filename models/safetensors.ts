/**
 * Reads safetensors headers (single files and sharded folders) and checks them against the file
 * sizes, so a truncated or corrupt file is a clear error before any byte is loaded.
 *
 * @module
 */
import type { DType } from "../ffi/config.ts";
import { ModelFileError } from "./config.ts";
import { fileExists as exists } from "./file_exists.ts";

/** One tensor in a safetensors file. */
export interface TensorEntry {
  /** Its name, e.g. `model.layers.0.mlp.up_proj.weight`. */
  name: string;
  /** Stored dtype. */
  dtype: DType;
  /** Its shape. */
  shape: number[];
  /** The file that holds it. */
  file: string;
  /** Absolute byte offset of its data in the file. */
  offset: number;
  /** Bytes of data. */
  bytes: number;
}

const DTYPE_OF: Record<string, { dtype: DType; size: number }> = {
  F32: { dtype: "f32", size: 4 },
  F16: { dtype: "f16", size: 2 },
  BF16: { dtype: "bf16", size: 2 },
};

const MAX_HEADER = 100 * 1024 * 1024;

/**
 * The tensors of one `.safetensors` file, each checked to lie inside it.
 *
 * @example
 * ```ts ignore
 * const tensors = readSafetensorsHeader("model.safetensors");
 * console.log(tensors.map((t) => t.name));
 * ```
 */
export function readSafetensorsHeader(file: string): TensorEntry[] {
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(file, { read: true });
  } catch (cause) {
    throw new ModelFileError(`${file}: cannot open it (${(cause as Error).message})`);
  }
  try {
    const size = handle.statSync().size;
    const prefix = new Uint8Array(8);
    if (size < 8 || handle.readSync(prefix) !== 8) {
      throw new ModelFileError(`${file}: too short to be a safetensors file (${size} bytes)`);
    }
    const headerBytes = Number(new DataView(prefix.buffer).getBigUint64(0, true));
    if (headerBytes <= 1 || headerBytes > MAX_HEADER || 8 + headerBytes > size) {
      throw new ModelFileError(
        `${file}: corrupt safetensors header length ${headerBytes} (file has ${size} bytes)`,
      );
    }
    const header = new Uint8Array(headerBytes);
    let read = 0;
    while (read < headerBytes) {
      const n = handle.readSync(header.subarray(read));
      if (n === null || n === 0) break;
      read += n;
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(new TextDecoder().decode(header.subarray(0, read)));
    } catch (cause) {
      throw new ModelFileError(
        `${file}: corrupt safetensors header (${(cause as Error).message})`,
      );
    }
    const dataStart = 8 + headerBytes;
    return Object.entries(json).filter(([name]) => name !== "__metadata__").map(
      ([name, value]) => entry(file, name, value, dataStart, size),
    );
  } finally {
    handle.close();
  }
}

function entry(
  file: string,
  name: string,
  value: unknown,
  dataStart: number,
  fileSize: number,
): TensorEntry {
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const where = `${file}: tensor ${name}`;
  const kind = DTYPE_OF[String(v?.dtype)];
  if (!kind) {
    throw new ModelFileError(
      `${where}: dtype ${JSON.stringify(v?.dtype)} is not supported (F32, F16, BF16)`,
    );
  }
  const shape = v.shape, offsets = v.data_offsets;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelFileError(`${where}: field shape is not a list of sizes`);
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isInteger) ||
    offsets[0] > offsets[1]
  ) {
    throw new ModelFileError(`${where}: field data_offsets is not [begin, end]`);
  }
  const bytes = offsets[1] - offsets[0];
  const expected = shape.reduce((a: number, b: number) => a * b, 1) * kind.size;
  if (bytes !== expected) {
    throw new ModelFileError(
      `${where}: data_offsets span ${bytes} bytes but shape [${shape}] of ${v.dtype} needs ${expected}`,
    );
  }
  if (dataStart + offsets[1] > fileSize) {
    throw new ModelFileError(
      `${where}: the file is truncated (the tensor ends at byte ${dataStart + offsets[1]}, ` +
        `the file has ${fileSize})`,
    );
  }
  return { name, dtype: kind.dtype, shape, file, offset: dataStart + offsets[0], bytes };
}

/**
 * Every tensor of a model folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json`.
 */
export function readModelTensors(folder: string): Map<string, TensorEntry> {
  const index = `${folder}/model.safetensors.index.json`;
  const single = `${folder}/model.safetensors`;
  const tensors = new Map<string, TensorEntry>();
  let files: string[];
  let weightMap: Record<string, string> | undefined;
  if (exists(index)) {
    let json: { weight_map?: unknown };
    try {
      json = JSON.parse(Deno.readTextFileSync(index));
    } catch (cause) {
      throw new ModelFileError(`${index}: not valid JSON (${(cause as Error).message})`);
    }
    if (typeof json.weight_map !== "object" || json.weight_map === null) {
      throw new ModelFileError(`${index}: field weight_map is missing`);
    }
    weightMap = json.weight_map as Record<string, string>;
    files = [...new Set(Object.values(weightMap))].map((f) => `${folder}/${f}`);
  } else if (exists(single)) {
    files = [single];
  } else {
    throw new ModelFileError(
      `${folder}: no model.safetensors or model.safetensors.index.json (only safetensors ` +
        `checkpoints are read)`,
    );
  }
  for (const file of files) {
    for (const t of readSafetensorsHeader(file)) tensors.set(t.name, t);
  }
  for (const [name, shard] of Object.entries(weightMap ?? {})) {
    if (!tensors.has(name)) {
      throw new ModelFileError(`${index}: field weight_map.${name}: not found in ${shard}`);
    }
  }
  return tensors;
}
