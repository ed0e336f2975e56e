/**
 * A job's experts side file, `experts/JOB_ID.bin` beside `records.jsonl`: binary, append-only,
 * one framed entry per sample, so expert-set bitsets never bloat the records. A sample record
 * points at its entry by byte offset (`experts.at`), and each entry names its job, attempt and
 * sample, so the link can be checked and rebuilt.
 *
 * Frame: `GFXE` (4 bytes), payload length (u32 LE), payload, CRC-32 of the payload (u32 LE).
 * Payload: header length (u32 LE), the header as UTF-8 JSON, then the body:
 * - `experts`: one bitset of ⌈d_ff / 8⌉ bytes per layer that selected experts
 *   (`present[l]`; see expert_bitset.ts);
 * - `activations`: per layer, rows × neurons float32 LE: the prompt's row-normalised
 *   activations Ẑ on the layer's most active neurons, in score order.
 *
 * A write cut short leaves a torn last frame; {@link parseEntries} stops there and says so.
 *
 * @module
 */

/** The folder of side files inside a store. */
export const EXPERTS_DIR = "experts";
const MAGIC = 0x45584647; // "GFXE" little-endian

/** One sample's expert sets, a bitset per layer (null where a layer selected none). */
export interface ExpertsEntry {
  /** Always `"experts"`. */
  kind: "experts";
  /** The job. */
  jobId: string;
  /** The attempt. */
  attempt: number;
  /** The sample's id within the task. */
  id: string;
  /** Neurons per layer (d_ff). */
  ffSize: number;
  /** A bitset per layer. */
  sets: (Uint8Array | null)[];
}

/** A layer's slice of a prompt's activations. */
export interface ActivationsLayer {
  /** Layer index. */
  layer: number;
  /** The neurons shown, most active first. */
  neurons: number[];
  /** Prompt rows (tokens). */
  rows: number;
  /** Ẑ[t, neurons[i]] at t·neurons.length + i. */
  values: Float32Array;
}

/** One sample's prompt activations, for the flocking heatmap. */
export interface ActivationsEntry {
  /** Always `"activations"`. */
  kind: "activations";
  /** The job. */
  jobId: string;
  /** The attempt. */
  attempt: number;
  /** The sample's id within the task. */
  id: string;
  /** The prompt's tokens as text, one per row. */
  tokens: string[];
  /** Selected layers. */
  layers: ActivationsLayer[];
}

/** An entry of a side file. */
export type SideEntry = ExpertsEntry | ActivationsEntry;

/**
 * The path of a job's side file in a store.
 *
 * @example
 * ```ts
 * import { expertsFilePath } from "./experts_file.ts";
 * console.assert(expertsFilePath("results/q", "ab12") === "results/q/experts/ab12.bin");
 * ```
 */
export function expertsFilePath(storeDir: string, jobId: string): string {
  return `${storeDir.replace(/\/+$/, "")}/${EXPERTS_DIR}/${jobId}.bin`;
}

/**
 * What links an entry to its record: attempt, kind and sample id.
 *
 * @example
 * ```ts
 * import { entryKey } from "./experts_file.ts";
 * console.assert(entryKey({ attempt: 2, kind: "experts", id: "7" }) === "2/experts/7");
 * ```
 */
export function entryKey(entry: Pick<SideEntry, "attempt" | "kind" | "id">): string {
  return `${entry.attempt}/${entry.kind}/${entry.id}`;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/**
 * CRC-32 (IEEE, as zlib) of bytes.
 *
 * @example
 * ```ts
 * import { crc32 } from "./experts_file.ts";
 * console.assert(crc32(new TextEncoder().encode("123456789")) === 0xcbf43926);
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function bodyOf(entry: SideEntry): { header: unknown; parts: Uint8Array[] } {
  const { jobId, attempt, id } = entry;
  if (entry.kind === "experts") {
    const present = entry.sets.map((s) => s !== null);
    return {
      header: { kind: entry.kind, jobId, attempt, id, ffSize: entry.ffSize, present },
      parts: entry.sets.filter((s): s is Uint8Array => s !== null),
    };
  }
  const layers = entry.layers.map(({ layer, neurons, rows }) => ({ layer, neurons, rows }));
  const parts = entry.layers.map(({ values }) => {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return out;
  });
  return { header: { kind: entry.kind, jobId, attempt, id, tokens: entry.tokens, layers }, parts };
}

/**
 * One framed entry, ready to append.
 *
 * @example
 * ```ts
 * import { encodeEntry, parseEntries } from "./experts_file.ts";
 * const entry = { kind: "experts" as const, jobId: "j", attempt: 1, id: "0", ffSize: 8,
 *   sets: [new Uint8Array([5])] };
 * console.assert(parseEntries(encodeEntry(entry)).entries.length === 1);
 * ```
 */
export function encodeEntry(entry: SideEntry): Uint8Array {
  const { header, parts } = bodyOf(entry);
  const head = new TextEncoder().encode(JSON.stringify(header));
  const payloadLength = 4 + head.length + parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(8 + payloadLength + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, payloadLength, true);
  view.setUint32(8, head.length, true);
  out.set(head, 12);
  let at = 12 + head.length;
  for (const part of parts) (out.set(part, at), at += part.length);
  view.setUint32(at, crc32(out.subarray(8, at)), true);
  return out;
}

function decodePayload(payload: Uint8Array): SideEntry {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const headLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(payload.subarray(4, 4 + headLength)));
  let at = 4 + headLength;
  const take = (n: number) => payload.slice(at, at += n);
  if (header.kind === "experts") {
    const width = Math.ceil(header.ffSize / 8);
    const { present, ...rest } = header;
    return { ...rest, sets: (present as boolean[]).map((p) => (p ? take(width) : null)) };
  }
  const layers = (header.layers as Omit<ActivationsLayer, "values">[]).map((l) => {
    const bytes = take(l.rows * l.neurons.length * 4);
    const data = new DataView(bytes.buffer);
    const values = Float32Array.from(
      { length: bytes.length / 4 },
      (_, i) => data.getFloat32(i * 4, true),
    );
    return { ...l, values };
  });
  return { ...header, layers };
}

/** What {@link parseEntries} found. */
export interface ParsedEntries {
  /** Every whole entry with its byte offset, in file order. */
  entries: { offset: number; entry: SideEntry }[];
  /** Bytes up to the end of the last whole entry. */
  goodBytes: number;
  /** Whether the file ends in a torn or damaged frame. */
  torn: boolean;
}

/**
 * Reads a side file's bytes; a torn or damaged frame stops reading and is reported.
 *
 * @example
 * ```ts
 * import { parseEntries } from "./experts_file.ts";
 * console.assert(parseEntries(new Uint8Array([0x47, 0x46])).torn);
 * ```
 */
export function parseEntries(bytes: Uint8Array): ParsedEntries {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ParsedEntries["entries"] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 12 || view.getUint32(at, true) !== MAGIC) break;
    const length = view.getUint32(at + 4, true);
    const end = at + 8 + length + 4;
    if (end > bytes.length) break;
    const payload = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(payload) !== view.getUint32(at + 8 + length, true)) break;
    try {
      entries.push({ offset: at, entry: decodePayload(payload) });
    } catch {
      break;
    }
    at = end;
  }
  return { entries, goodBytes: at, torn: at < bytes.length };
}
