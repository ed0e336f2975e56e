/**
 * Rows of a downloaded data file as plain JSON objects: Parquet through hyparquet (with its
 * maintained decompressors), JSONL line by line. 64-bit integers become numbers.
 *
 * @module
 */
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";

/**
 * Reads every row of `path` (`.parquet` or `.jsonl`).
 *
 * @example
 * ```ts ignore
 * const rows = await readRows("validation-00000-of-00001.parquet");
 * ```
 */
export async function readRows(path: string): Promise<Record<string, unknown>[]> {
  const bytes = await Deno.readFile(path);
  if (!/\.parquet$/.test(path) && !isParquet(bytes)) {
    return new TextDecoder().decode(bytes).split("\n").filter((l) => l.trim() !== "")
      .map((line) => plain(JSON.parse(line)) as Record<string, unknown>);
  }
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = await parquetReadObjects({ file: file as ArrayBuffer, compressors });
  return rows.map((row) => plain(row) as Record<string, unknown>);
}

function isParquet(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === "PAR1";
}

/** BigInt → number, typed arrays → arrays, nested values alike. */
export function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, plain);
  }
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
