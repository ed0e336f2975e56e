/**
 * The records a sweep writes, and a reader for them. This file is the contract between the
 * sweep harness (which writes) and the reports (which read).
 *
 * A sweep's store is one folder holding `records.jsonl`: JSON Lines, append-only, one
 * {@link JobRecord} per finished job and one {@link StoredSample} per sample. A job's samples
 * are written while it runs and its job record last, so an `ok` job record marks its samples as
 * complete. Samples of an attempt that never got an `ok` record (a crash, a kill) are not results:
 * {@link readStore} leaves them out, and the harness drops them from the file when it next opens
 * the store. The store also holds `sweep.json`, the plan it was made from.
 *
 * @example
 * ```ts ignore
 * import { readStore } from "./records.ts";
 * const store = await readStore("results/quickstart");
 * for (const job of store.jobs) console.log(job.model.label, job.density, job.metrics);
 * ```
 *
 * @module
 */
import type { Mode, SelectionMethod } from "../engine/types.ts";
import type { RecordedRequest } from "../tasks/recorded_request.ts";

/** The records file inside a store folder. */
export const RECORDS_FILE = "records.jsonl";
/** The plan file inside a store folder (the resolved sweep and its jobs). */
export const PLAN_FILE = "sweep.json";
/** Version of the record format; bumped when a field changes meaning. */
export const RECORD_SCHEMA = 1;

/** One metric of a task over a job's samples. */
export interface MetricValue {
  /** The aggregate (mean over samples unless the task says otherwise). */
  value: number;
  /** Standard error of the aggregate (0 when it is not known). */
  stderr: number;
  /** Whether a larger value is better. */
  higherIsBetter: boolean;
}

/** Wall-clock timings of one job, in milliseconds unless named otherwise. */
export interface JobTimings {
  /** Mean prompt phase per sample (full forward pass over the prompt, selection included). */
  promptMs: number;
  /** Mean expert selection per sample (inside promptMs). */
  selectionMs: number;
  /** Mean decode time per generated token. */
  decodeMsPerToken: number;
  /** Generated tokens per second over the generation phases. */
  tokensPerSecond: number;
  /** Tokens generated over the whole job. */
  generatedTokens: number;
  /** The job from start to end as the harness saw it (loading excluded: the worker's and the model's). */
  wallMs: number;
  /**
   * Time spent getting ready before this job: opening the model, and for a worker's first job its
   * start and modules (0 when all were ready).
   */
  loadMs: number;
  /** Of wallMs, the time inside engine calls (absent in records of earlier versions). */
  engineMs?: number;
  /** Of wallMs, the rest: tokenising, metrics, records, messages between processes. */
  harnessMs?: number;
  /**
   * The samples were decoded together (a sweep's `batch.generation`, or gen-mode scoring's
   * teacher-forced tokens, Timings.decodedTogether): tokensPerSecond and
   * decodeMsPerToken are a sequence's figures inside a batch, not batch-1 speeds; reports leave
   * them out of the speed aggregates.
   */
  batchedGeneration?: boolean;
}

/** Where and with what a job ran. */
export interface Environment {
  /** The native engine's build id, when the runner reports one. */
  engineBuild?: string;
  /** `cpu` or `cuda:N` as the worker saw it. */
  device: string;
  /** The device's name (`NVIDIA H200`, or the CPU's model name). */
  deviceName: string;
  /** The GPU driver version, when there is a GPU. */
  driver?: string;
  /** Deno's version. */
  deno: string;
  /** Operating system and architecture, e.g. `linux x86_64`. */
  os: string;
  /** Host name of the machine. */
  host: string;
  /** The repository's commit, with `-dirty` when the working tree had changes. */
  gitCommit?: string;
  /** SHA-256 (hex) of the sweep file's bytes. */
  sweepHash: string;
}

/** The record of one finished job: one model × task × density × method × mode × repeat. */
export interface JobRecord {
  /** Always `"job"`. */
  type: "job";
  /** {@link RECORD_SCHEMA} at the time of writing. */
  schema: number;
  /** Stable id: a hash of everything that defines the job (see bench/job_id.ts). */
  jobId: string;
  /** The sweep's name (from the file, or its base name). */
  sweep: string;
  /** The model as the sweep file named it. */
  model: {
    /** Hugging Face folder path or `synthetic:NAME`, as written in the sweep file. */
    id: string;
    /** Short name for tables and plots. */
    label: string;
    /** Weight dtype asked for, when the sweep set one. */
    dtype?: string;
    /** For a Hub id: the repository (`ORG/NAME`). */
    repo?: string;
    /** For a Hub id: the commit the revision resolved to when the sweep ran. */
    commit?: string;
  };
  /** The task and the options it ran with. */
  task: {
    /** Task name, e.g. `xsum`. */
    name: string;
    /** Task version from the task registry. */
    version: string;
    /** Options passed to the task (limit, shots, sampling, seed, …). */
    options: Record<string, unknown>;
  };
  /** Fraction of FF neurons kept (1 = the full model). */
  density: number;
  /** Selection method. At density 1 the method does not matter and the plan keeps one. */
  method: SelectionMethod;
  /** `gen` or `class`. */
  mode: Mode;
  /** GRIFFIN's seed (the sweep seed plus the repeat index). */
  seed: number;
  /** Repeat index, from 0. */
  repeat: number;
  /** `ok`, or `failed` with the reason in `error`. */
  status: "ok" | "failed";
  /** Why the job failed: a sentence (crash, out of memory, time limit, exception). */
  error?: string;
  /** The last lines the worker wrote on stderr before it failed. */
  stderrTail?: string[];
  /** Metrics by name (empty for a failed job). */
  metrics: Record<string, MetricValue>;
  /** Timings (zeros for a failed job). */
  timings: JobTimings;
  /** Samples scored (each has a {@link StoredSample} with this job id and attempt). */
  samples: number;
  /** Samples the task skipped (e.g. prompts longer than the context). */
  skipped: number;
  /** Where and with what it ran. */
  environment: Environment;
  /** ISO time the job's final attempt started. */
  startedAt: string;
  /** ISO time the record was written. */
  finishedAt: string;
  /** Attempt number of this record, from 1 (retries raise it). */
  attempt: number;
  /** The worker that ran it, e.g. `cuda:0#1` or `cpu#0`. */
  worker: string;
  /** `i/n` when the sweep ran as one shard of several. */
  shard?: string;
}

/** One sample of a job, as the task scored it. */
export interface StoredSample {
  /** Always `"sample"`. */
  type: "sample";
  /** The job it belongs to. */
  jobId: string;
  /** The attempt it belongs to; only samples of the job record's attempt count. */
  attempt: number;
  /** The prompt's id within the task (stable across runs). */
  id: string;
  /** The prompt text as given to the model. */
  prompt: string;
  /** The reference answer, when the task has one. */
  reference?: string;
  /** The model's output, for generation tasks. */
  output?: string;
  /** Per-sample metrics by name. */
  metrics: Record<string, number>;
  /** How the task rendered the sample's requests (absent in older records). */
  rendering?: string;
  /** What was scored: each request's context (or its SHA-256 and ends) and continuation. */
  requests?: RecordedRequest[];
  /** Expert facts, when the sweep asked for them (`analysis.experts`) and density < 1. */
  experts?: StoredExperts;
}

/**
 * A sample's expert facts in its record; the sets themselves are in the job's side file
 * (`experts/JOB_ID.bin`, see bench/experts_file.ts), at byte offset `at`.
 */
export interface StoredExperts {
  /** Byte offset of the sample's `experts` entry in the job's side file. */
  at: number;
  /** Byte offset of its `activations` entry, for the one sample per model that has one. */
  activationsAt?: number;
  /** Per layer: Σ_{j∈E} s_j² / Σ_j s_j² of the prompt's scores (null: the layer kept all). */
  energy: (number | null)[];
  /** Per layer: Jaccard similarity of the experts and the magnitude set of the same size. */
  magnitudeOverlap: (number | null)[];
}

/** A line of `records.jsonl`. */
export type StoreRecord = JobRecord | StoredSample;

/** What {@link parseRecords} makes of a records file. */
export interface ParsedRecords {
  /** Every well-formed record, in file order. */
  records: StoreRecord[];
  /** Byte length of the well-formed prefix (the file up to its last good line). */
  goodBytes: number;
  /** Whether the file ended in a torn or unreadable line (a write cut short). */
  torn: boolean;
}

const encoder = new TextEncoder();

/** Parses the text of a records file; a torn or garbled tail stops parsing and is reported. */
export function parseRecords(text: string): ParsedRecords {
  const records: StoreRecord[] = [];
  let goodBytes = 0;
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    if (end < 0) return { records, goodBytes, torn: true };
    const line = text.slice(start, end);
    if (line.trim() !== "") {
      const record = parseLine(line);
      if (record === undefined) return { records, goodBytes, torn: true };
      records.push(record);
    }
    goodBytes += encoder.encode(text.slice(start, end + 1)).length;
    start = end + 1;
  }
  return { records, goodBytes, torn: false };
}

function parseLine(line: string): StoreRecord | undefined {
  try {
    const value = JSON.parse(line);
    if (value?.type === "job" && typeof value.jobId === "string") return value;
    if (value?.type === "sample" && typeof value.jobId === "string") return value;
  } catch {
    // a torn line
  }
  return undefined;
}

/** The results of a store: each job's final record and its samples. */
export interface StoreContents {
  /** One record per job id: the last one written (a retry's record replaces a failure). */
  jobs: JobRecord[];
  /** Samples of each `ok` job's recorded attempt, by job id, in file order. */
  samples: Map<string, StoredSample[]>;
  /** Whether the file ended in a torn line (ignored here; repaired when the harness reopens). */
  torn: boolean;
}

/** Keeps each job's last record, and the samples of that record's attempt when it is `ok`. */
export function committedRecords(records: StoreRecord[]): Omit<StoreContents, "torn"> {
  const last = new Map<string, JobRecord>();
  for (const record of records) if (record.type === "job") last.set(record.jobId, record);
  const samples = new Map<string, StoredSample[]>();
  for (const record of records) {
    const job = last.get(record.jobId);
    if (record.type !== "sample" || job?.status !== "ok" || job.attempt !== record.attempt) {
      continue;
    }
    const list = samples.get(record.jobId) ?? [];
    list.push(record);
    samples.set(record.jobId, list);
  }
  return { jobs: [...last.values()], samples };
}

/** Reads a store folder (or a records file path) made by `deno task bench`. */
export async function readStore(path: string): Promise<StoreContents> {
  const file = path.endsWith(".jsonl") ? path : `${path}/${RECORDS_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${file} does not exist: is ${path} a sweep's result folder?`, {
        cause: error,
      });
    }
    throw error;
  }
  const parsed = parseRecords(text);
  return { ...committedRecords(parsed.records), torn: parsed.torn };
}
