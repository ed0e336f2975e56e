/**
 * A realistic synthetic result store for the report's tests: three Llama-shaped synthetic models
 * on an H200, four densities, three methods, a generation task and a classification task,
 * repeats, one failed job with its stderr, and samples whose text holds markup.
 *
 * @module
 */
import type { JobRecord, MetricValue, StoredSample } from "../../bench/records.ts";
import { SYNTHETIC_SHAPES } from "../../models/synthetic.ts";
import { decodeBytesPerToken } from "../roofline.ts";

/** A prompt that must appear as text, never run. */
export const HOSTILE_PROMPT = 'Summarise: <script>document.title="pwned"</script> & "quotes"';
/** An output with markup in it. */
export const HOSTILE_OUTPUT = "</script><img src=x onerror=alert(1)> bold <b>claim</b>";

const MODELS = ["llama2-13b", "llama2-7b", "mistral-7b"];
const DENSITIES = [1, 0.75, 0.5, 0.25];
const REPEATS = 2;

/** What {@link syntheticRecords} makes. */
export interface SyntheticStore {
  /** Job records, in the order a sweep would write them. */
  jobs: JobRecord[];
  /** Samples of the ok jobs. */
  samples: StoredSample[];
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Builds the records; `failed` adds one failed job (mistral-7b, xsum, sample, 0.25). */
export function syntheticRecords(options: { failed?: boolean } = {}): SyntheticStore {
  const next = random(7);
  const jobs: JobRecord[] = [];
  const samples: StoredSample[] = [];
  let index = 0;
  for (const name of MODELS) {
    const shape = SYNTHETIC_SHAPES[name];
    for (const task of ["xsum", "boolq"] as const) {
      for (const density of DENSITIES) {
        const methods = density === 1
          ? ["topk"] as const
          : density === 0.5
          ? ["topk", "sample", "magnitude"] as const
          : ["topk", "sample"] as const;
        for (const method of methods) {
          for (let repeat = 0; repeat < REPEATS; repeat++) {
            const jobId = `job${String(index++).padStart(4, "0")}`;
            const failed = options.failed === true && name === "mistral-7b" && task === "xsum" &&
              method === "sample" && density === 0.25 && repeat === 0;
            const loss = (1 - density) ** 2 * (method === "magnitude" ? 1.6 : 1) *
              (method === "sample" ? 1.2 : 1);
            const gen = task === "xsum";
            const tps = 0.7 * 4.8e12 / decodeBytesPerToken(shape, 2, density) *
              (0.97 + 0.06 * next()) * (method === "magnitude" ? 1 : 0.98);
            const quality = gen ? 0.3 * (1 - loss) + 0.01 * next() : 0.78 - 0.25 * loss;
            const metrics: Record<string, MetricValue> = gen
              ? {
                rouge1: { value: quality, stderr: 0.012, higherIsBetter: true },
                rouge2: { value: quality / 3, stderr: 0.008, higherIsBetter: true },
                rougeL: { value: quality * 0.8, stderr: 0.01, higherIsBetter: true },
              }
              : { acc: { value: quality, stderr: 0.015, higherIsBetter: true } };
            const promptMs = shape.layers * (gen ? 1.1 : 0.6) * (1 + 0.05 * next());
            jobs.push({
              type: "job",
              schema: 1,
              jobId,
              sweep: "synthetic-h200",
              model: { id: `synthetic:${name}`, label: name },
              task: { name: task, version: "1", options: { limit: 3 } },
              density,
              method,
              mode: gen ? "gen" : "class",
              seed: 42 + repeat,
              repeat,
              status: failed ? "failed" : "ok",
              ...(failed
                ? {
                  error: "the worker ran out of GPU memory (cudaErrorMemoryAllocation)",
                  stderrTail: ["gf_generate: out of memory <at> layer 31", "worker exited: 1"],
                }
                : {}),
              metrics: failed ? {} : metrics,
              timings: {
                promptMs: failed ? 0 : promptMs,
                selectionMs: failed || density === 1 ? 0 : 0.04 * shape.layers,
                decodeMsPerToken: failed || !gen ? 0 : 1000 / tps,
                tokensPerSecond: failed || !gen ? 0 : tps,
                generatedTokens: failed || !gen ? 0 : 3 * 128,
                wallMs: 4000 + 1000 * next(),
                loadMs: 0,
              },
              samples: failed ? 0 : 3,
              skipped: 0,
              environment: {
                engineBuild: "griffin-bench engine abi 1, cpu+cuda(sm_90)",
                device: "cuda:0",
                deviceName: "NVIDIA H200",
                driver: "575.57.08",
                deno: "2.9.6",
                os: "linux x86_64",
                host: "h200-node",
                gitCommit: "0123456789abcdef0123456789abcdef01234567",
                sweepHash: "0".repeat(64),
              },
              startedAt: "2026-11-29T12:00:00.000Z",
              finishedAt: "2026-11-29T12:00:05.000Z",
              attempt: 1,
              worker: "cuda:0#0",
            });
            if (failed) continue;
            for (let s = 0; s < 3; s++) {
              samples.push({
                type: "sample",
                jobId,
                attempt: 1,
                id: String(s),
                prompt: s === 0 ? HOSTILE_PROMPT : `Article ${s}: ${"words ".repeat(80)}`,
                reference: gen ? `Reference summary ${s}.` : s % 2 === 0 ? "yes" : "no",
                output: s === 0 && density === 0.5 ? HOSTILE_OUTPUT : `Output ${s} at ${density}`,
                metrics: gen ? { rouge1: quality } : { acc: s % 2 },
              });
            }
          }
        }
      }
    }
  }
  return { jobs, samples };
}

/**
 * Writes the synthetic store into `dir` (created): `records.jsonl`, `sweep.json` and the sweep
 * file the plan names, with its true hash.
 */
export async function writeSyntheticStore(
  dir: string,
  options: { failed?: boolean } = {},
): Promise<SyntheticStore> {
  await Deno.mkdir(dir, { recursive: true });
  const store = syntheticRecords(options);
  const lines: string[] = [];
  for (const job of store.jobs) {
    for (const sample of store.samples) {
      if (sample.jobId === job.jobId) lines.push(JSON.stringify(sample));
    }
    lines.push(JSON.stringify(job));
  }
  await Deno.writeTextFile(`${dir}/records.jsonl`, lines.join("\n") + "\n");
  const sweepFile = `${dir}/synthetic-h200.jsonc`;
  const text = `// the synthetic sweep <for tests>\n{ "name": "synthetic-h200" }\n`;
  await Deno.writeTextFile(sweepFile, text);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  const hash = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  const plan = {
    sweep: { name: "synthetic-h200", file: sweepFile, hash, models: MODELS, densities: DENSITIES },
    jobs: store.jobs.map((job) => ({ jobId: job.jobId })),
    writtenAt: "2026-11-29T12:00:00.000Z",
  };
  await Deno.writeTextFile(`${dir}/sweep.json`, JSON.stringify(plan, null, 1) + "\n");
  return store;
}
