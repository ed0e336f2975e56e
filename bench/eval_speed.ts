/**
 * `deno task bench:eval`: how fast the engine scores class-mode requests (lm-evaluation-harness's
 * multiple choice) — batched (packed sequences, each with its own experts, log-probabilities on
 * the device) against one request at a time, for 64-, 160- and 400-token requests at densities 1
 * and 0.5 (batched as the sweep harness runs it: the experts stay in the engine), and 16 XSum-like
 * sequences (1000-token prompts, 128 new tokens) decoded together
 * against one alone, on synthetic shapes. Writes the table (Markdown) and the rows (JSON) to --out.
 *
 * With `--peer FILE` (the JSON of tools/peer_bench/hf_class_score.py) the class-scoring table
 * gains Hugging Face's batched tokens/s for the same shape and request length and "ours / HF";
 * the peer runs the full model, so density 0.5 rows compare to that figure too.
 *
 *   deno task bench:eval [--shapes llama2-7b] [--device cuda:0] [--lengths 64,160,400]
 *     [--densities 1,0.5] [--tokens 16384] [--peer hf_class_score.json]
 *     [--out results/eval_speed]
 *
 * @module
 */
import { type EngineModel, openModel } from "../engine/open.ts";
import { GREEDY } from "../engine/sampler.ts";
import { scoreBatch } from "../engine/score_batch.ts";
import type { ScoreRequest } from "../engine/types.ts";
import { buildInfo } from "../ffi/library.ts";
import { parseDensities } from "./engine_speed.ts";
import { flag } from "./flag.ts";
import { peerCells, type PeerClass, peerRate, peerSummary, readPeerClass } from "./peer_class.ts";

/** One measured setting. */
export interface EvalRow {
  shape: string;
  requestTokens: number;
  density: number;
  batchedTokensPerSecond: number;
  singleTokensPerSecond: number;
  /** The peer's batched tokens/s for this shape and request length (full model), with --peer. */
  hfTokensPerSecond?: number;
  /** The batch size of that peer figure. */
  hfBatchSize?: number;
}

/**
 * The class-scoring table (Markdown lines); with a peer, two more columns: Hugging Face's batched
 * tokens/s and ours (batched) over it.
 *
 * @example
 * ```ts
 * import { classTable } from "./eval_speed.ts";
 * const row = {
 *   shape: "llama2-7b", requestTokens: 64, density: 1, batchedTokensPerSecond: 200,
 *   singleTokensPerSecond: 100, hfTokensPerSecond: 100,
 * };
 * console.assert(classTable([row], true)[2].endsWith("| 2.0× | 100 | 2.00× |"));
 * ```
 */
export function classTable(rows: EvalRow[], withPeer: boolean): string[] {
  const peerHead = withPeer ? " HF batched tokens/s | ours / HF |" : "";
  return [
    "| shape | request tokens | density | batched tokens/s | one at a time tokens/s | speed-up |" +
    peerHead,
    "| --- | --- | --- | --- | --- | --- |" + (withPeer ? " --- | --- |" : ""),
    ...rows.map((r) => {
      const cells = [
        r.shape,
        r.requestTokens,
        r.density,
        r.batchedTokensPerSecond.toFixed(0),
        r.singleTokensPerSecond.toFixed(0),
        `${(r.batchedTokensPerSecond / r.singleTokensPerSecond).toFixed(1)}×`,
      ];
      if (withPeer) {
        const rate = r.hfTokensPerSecond === undefined
          ? undefined
          : { tokensPerSecond: r.hfTokensPerSecond, batchSize: r.hfBatchSize ?? 0 };
        cells.push(...peerCells(r.batchedTokensPerSecond, rate));
      }
      return `| ${cells.join(" | ")} |`;
    }),
  ];
}

/**
 * Class-mode requests of `length` input tokens (context + continuation[:-1], a 4-token
 * continuation), ids spread over the vocabulary.
 *
 * @example
 * ```ts
 * import { classRequests } from "./eval_speed.ts";
 * const [r] = classRequests(1, 64, 32000, 0.5);
 * console.assert(r.contextIds.length + r.continuationIds.length - 1 === 64);
 * ```
 */
export function classRequests(
  count: number,
  length: number,
  vocab: number,
  density: number,
): ScoreRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const ids = Array.from(
      { length: length + 1 },
      (_, j) => 3 + (i * 7919 + j * 104729) % (vocab - 3),
    );
    return {
      contextIds: ids.slice(0, length - 3),
      continuationIds: ids.slice(length - 3),
      mode: "class" as const,
      griffin: { density, method: "topk" as const, seed: 0 },
    };
  });
}

/** Continuous batching against groups that wait for their longest sequence. */
export interface ContinuousRow {
  shape: string;
  requests: number;
  newTokens: number;
  continuousTokensPerSecond: number;
  groupsTokensPerSecond: number;
}

/**
 * 48 greedy requests (500-token prompts) whose outputs end at different lengths (16 to 128 new
 * tokens), 16 decoded at a time: continuously (a finished sequence's session takes the next
 * request) against groups of 16 that wait for their longest. Tokens/s over the wall time, prompt
 * phases included.
 */
function continuousBatching(model: EngineModel, shape: string): ContinuousRow {
  const requests = Array.from({ length: 48 }, (_, i) => ({
    promptIds: Array.from(
      { length: Math.min(500, model.info.maxPositions - 129) },
      (_, j) => 3 + (i * 7919 + j * 104729) % (model.info.vocabSize - 3),
    ),
    maxNewTokens: 16 + (i * 37) % 113,
    sampling: GREEDY,
    griffin: { density: 1, method: "topk" as const, seed: 0 },
    stopTokenIds: [],
  }));
  const newTokens = requests.reduce((s, r) => s + r.maxNewTokens, 0);
  model.generateMany(requests.slice(0, 2)); // warm-up
  let started = performance.now();
  model.generateMany(requests);
  const continuousSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (let i = 0; i < requests.length; i += 16) model.generateMany(requests.slice(i, i + 16));
  const groupsSeconds = (performance.now() - started) / 1000;
  return {
    shape,
    requests: requests.length,
    newTokens,
    continuousTokensPerSecond: newTokens / continuousSeconds,
    groupsTokensPerSecond: newTokens / groupsSeconds,
  };
}

if (import.meta.main) {
  const shapes = flag("shapes", "llama2-7b").split(",");
  const device = flag("device", "cuda:0");
  const lengths = flag("lengths", "64,160,400").split(",").map(Number);
  const tokens = Number(flag("tokens", "16384"));
  const out = flag("out", "results/eval_speed");
  const densities = parseDensities(flag("densities", "1,0.5"));
  const peerFile = flag("peer", "");
  let peer: PeerClass | undefined;
  try {
    if (peerFile) peer = await readPeerClass(peerFile);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
  console.log(buildInfo());
  const rows: EvalRow[] = [];
  const decoding: (Omit<EvalRow, "requestTokens"> & { promptTokens: number })[] = [];
  const continuous: ContinuousRow[] = [];
  for (const shape of shapes) {
    const model = await openModel(`synthetic:${shape}`, {
      device,
      dtype: device === "cpu" ? "f32" : "bf16",
    });
    const positions = model.info.maxPositions;
    try {
      for (const length of lengths.filter((n) => n < positions)) {
        for (const density of densities) {
          const requests = classRequests(
            Math.ceil(tokens / length),
            length,
            model.info.vocabSize,
            density,
          );
          scoreBatch(model.session, requests.slice(0, 4), { maxSequences: 256, experts: false }); // warm-up
          let started = performance.now();
          scoreBatch(model.session, requests, { maxSequences: 256, experts: false });
          const batched = requests.length * length / ((performance.now() - started) / 1000);
          const few = requests.slice(0, 8);
          model.score(few[0]);
          started = performance.now();
          for (const r of few) model.score(r);
          const single = few.length * length / ((performance.now() - started) / 1000);
          const hf = peer && peerRate(peer, shape, length);
          rows.push({
            shape,
            requestTokens: length,
            density,
            batchedTokensPerSecond: batched,
            singleTokensPerSecond: single,
            ...(hf ? { hfTokensPerSecond: hf.tokensPerSecond, hfBatchSize: hf.batchSize } : {}),
          });
          console.log(
            `${shape} ${length} tokens d=${density}: batched ${batched.toFixed(0)} tokens/s, ` +
              `one at a time ${single.toFixed(0)} tokens/s`,
          );
        }
      }
      // batched decoding: 16 XSum-like sequences (1000-token prompts, 128 new tokens) together
      const promptTokens = Math.min(1000, positions - 129); // fewer where the model holds fewer
      for (const density of densities) {
        const xsum = Array.from({ length: 16 }, (_, i) => ({
          promptIds: Array.from(
            { length: promptTokens },
            (_, j) => 3 + (i * 7919 + j * 104729) % (model.info.vocabSize - 3),
          ),
          maxNewTokens: 128,
          sampling: GREEDY,
          griffin: { density, method: "topk" as const, seed: 0 },
          stopTokenIds: [],
        }));
        const one = model.generate(xsum[0]).timings.tokensPerSecond;
        model.generateMany(xsum.slice(0, 2)); // warm-up of the pool
        const together = model.generateMany(xsum);
        const stepMs = together[0].timings.tokenMs.reduce((s, t) => s + t, 0);
        const decoded = together.reduce((s, r) => s + r.timings.tokenMs.length, 0);
        const batched = decoded / (stepMs / 1000);
        decoding.push({
          shape,
          promptTokens,
          density,
          batchedTokensPerSecond: batched,
          singleTokensPerSecond: one,
        });
        console.log(
          `${shape} decoding 16 together d=${density}: ${batched.toFixed(0)} tokens/s, alone ${
            one.toFixed(0)
          }`,
        );
      }
      continuous.push(continuousBatching(model, shape));
      console.log(
        `${shape} continuous batching: ${
          continuous.at(-1)!.continuousTokensPerSecond.toFixed(0)
        } ` +
          `tokens/s, groups of 16: ${continuous.at(-1)!.groupsTokensPerSecond.toFixed(0)}`,
      );
    } finally {
      model.close();
    }
  }
  const lines = classTable(rows, peer !== undefined);
  if (peer) lines.push("", peerSummary(peer, peerFile));
  Deno.mkdirSync(out, { recursive: true });
  lines.push(
    "",
    "| shape | decoding | density | together tokens/s | alone tokens/s | speed-up |",
    "| --- | --- | --- | --- | --- | --- |",
    ...decoding.map((r) =>
      `| ${r.shape} | 16 × (${r.promptTokens} + 128) | ${r.density} | ${
        r.batchedTokensPerSecond.toFixed(0)
      } | ` +
      `${r.singleTokensPerSecond.toFixed(0)} | ${
        (r.batchedTokensPerSecond / r.singleTokensPerSecond).toFixed(1)
      }× |`
    ),
  );
  lines.push(
    "",
    "| shape | requests (new tokens) | continuous tokens/s | groups of 16 tokens/s | continuous / groups |",
    "| --- | --- | --- | --- | --- |",
    ...continuous.map((r) =>
      `| ${r.shape} | ${r.requests} (${r.newTokens}) | ${
        r.continuousTokensPerSecond.toFixed(0)
      } | ` +
      `${r.groupsTokensPerSecond.toFixed(0)} | ${
        (r.continuousTokensPerSecond / r.groupsTokensPerSecond).toFixed(2)
      }× |`
    ),
  );
  Deno.writeTextFileSync(`${out}/eval.md`, lines.join("\n") + "\n");
  Deno.writeTextFileSync(
    `${out}/eval.json`,
    JSON.stringify(
      { build: buildInfo(), tokens, rows, decoding, continuous, peer: peer?.meta },
      null,
      1,
    ),
  );
  console.log(lines.join("\n"));
}
