/**
 * The peer figures of `bench:eval --peer FILE`: the JSON that tools/peer_bench/hf_class_score.py
 * writes (Hugging Face transformers scoring class-mode requests in batches, lm-evaluation-harness
 * style), read and checked, and the two columns it adds to the class-scoring table.
 *
 * @module
 */
import { z } from "zod";
import { parseFields } from "../models/config_fields.ts";

const count = z.int().positive();

/** One row of the peer's JSON: a shape × request length × batch size. */
export const PeerClassRow = z.object({
  shape: z.string(),
  request_tokens: count,
  batch_size: count,
  requests: count,
  tokens_per_second: z.number().positive().nullable(),
  seconds: z.number().positive().nullable(),
  error: z.string().nullish(),
});

/** The whole JSON file: its settings and versions, and the rows. */
export const PeerClassFile = z.object({
  meta: z.object({
    torch: z.string(),
    transformers: z.string(),
    gpu: z.string().nullable(),
    dtype: z.string(),
    attn_implementation: z.string(),
    batch_size: z.union([count, z.array(count)]),
  }),
  rows: z.array(PeerClassRow),
});

/** The peer's JSON after the check. */
export type PeerClass = z.infer<typeof PeerClassFile>;

/** The peer's figure for one shape and request length. */
export interface PeerRate {
  /** Input tokens per second. */
  tokensPerSecond: number;
  /** The batch size it was measured with. */
  batchSize: number;
}

/**
 * Checks parsed JSON; a problem is an error naming the file and the field.
 *
 * @example
 * ```ts
 * import { parsePeerClass } from "./peer_class.ts";
 * const meta = {
 *   torch: "2.11", transformers: "5.17", gpu: "NVIDIA H200", dtype: "bf16",
 *   attn_implementation: "sdpa", batch_size: 32,
 * };
 * const peer = parsePeerClass({ meta, rows: [] }, "hf.json");
 * console.assert(peer.rows.length === 0);
 * ```
 */
export function parsePeerClass(json: unknown, file: string): PeerClass {
  return parseFields(PeerClassFile, json, file);
}

/** Reads and checks the peer's JSON file; a missing, unreadable or malformed one is an error. */
export async function readPeerClass(file: string): Promise<PeerClass> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new Error(`${file}: cannot read the peer file (${(error as Error).name})`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`, { cause: error });
  }
  return parsePeerClass(json, file);
}

/**
 * The peer's figure for a shape and request length: its fastest row without an error (over the
 * batch sizes it ran), or undefined when it has none.
 *
 * @example
 * ```ts
 * import { peerRate } from "./peer_class.ts";
 * const row = {
 *   shape: "llama2-7b", request_tokens: 64, batch_size: 32, requests: 256,
 *   tokens_per_second: 90000, seconds: 0.18,
 * };
 * const peer = { meta: {} as never, rows: [row] };
 * console.assert(peerRate(peer, "llama2-7b", 64)?.tokensPerSecond === 90000);
 * console.assert(peerRate(peer, "llama2-7b", 160) === undefined);
 * ```
 */
export function peerRate(
  peer: PeerClass,
  shape: string,
  requestTokens: number,
): PeerRate | undefined {
  let best: PeerRate | undefined;
  for (const row of peer.rows) {
    if (row.shape !== shape || row.request_tokens !== requestTokens) continue;
    if (row.error || row.tokens_per_second === null) continue;
    if (!best || row.tokens_per_second > best.tokensPerSecond) {
      best = { tokensPerSecond: row.tokens_per_second, batchSize: row.batch_size };
    }
  }
  return best;
}

/**
 * The table cells "HF batched tokens/s" and "ours / HF" for our batched rate against the peer's
 * (`–` when the peer has no figure). Every density compares to the peer's full model.
 *
 * @example
 * ```ts
 * import { peerCells } from "./peer_class.ts";
 * const cells = peerCells(180000, { tokensPerSecond: 90000, batchSize: 32 });
 * console.assert(cells.join(" | ") === "90000 | 2.00×");
 * ```
 */
export function peerCells(oursTokensPerSecond: number, rate: PeerRate | undefined): string[] {
  if (!rate) return ["–", "–"];
  return [
    rate.tokensPerSecond.toFixed(0),
    `${(oursTokensPerSecond / rate.tokensPerSecond).toFixed(2)}×`,
  ];
}

/** One line naming the peer: versions, GPU, dtype, attention and batch size. */
export function peerSummary(peer: PeerClass, file: string): string {
  const m = peer.meta;
  return `HF batched: ${file} (transformers ${m.transformers}, torch ${m.torch}, ` +
    `${m.gpu ?? "CPU"}, ${m.dtype}, ${m.attn_implementation}, batch size ${m.batch_size}; ` +
    "density 1 only: every density is compared to the full model)";
}
