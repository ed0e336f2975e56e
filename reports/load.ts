/**
 * Everything a report is made from, read from a sweep's result store: the records, the plan,
 * the sweep file (when it is unchanged since the sweep), the models' facts and the aggregated
 * rows.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { type JobRecord, PLAN_FILE, readStore, type StoredSample } from "../bench/records.ts";
import { type AggregateRow, aggregateRows } from "./aggregate.ts";
import { type ModelFacts, modelFacts } from "./model_facts.ts";

/** The sweep as `sweep.json` holds it (only the fields the report reads). */
export interface StoredPlan {
  /** The resolved sweep. */
  sweep: { name: string; file?: string; hash?: string; [field: string]: unknown };
  /** The planned jobs of this store (this shard's, for a shard). */
  jobs: { jobId: string }[];
  /** `i/n` for a shard. */
  shard?: string;
  /** When the plan was written (the sweep's start). */
  writtenAt?: string;
}

/** The inputs of a report. */
export interface ReportInput {
  /** The store folder. */
  storeDir: string;
  /** The sweep's name. */
  sweepName: string;
  /** `sweep.json`, when the store has one. */
  plan?: StoredPlan;
  /** The sweep file's text, when it still exists with the hash the sweep recorded. */
  sweepText?: string;
  /** Each job's final record. */
  jobs: JobRecord[];
  /** Samples of ok jobs, by job id. */
  samples: Map<string, StoredSample[]>;
  /** Whether the records file ends in a torn line. */
  torn: boolean;
  /** Models by label, in sweep order. */
  facts: Map<string, ModelFacts>;
  /** The aggregated table. */
  rows: AggregateRow[];
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function readPlan(storeDir: string): Promise<StoredPlan | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${storeDir}/${PLAN_FILE}`));
  } catch {
    return undefined;
  }
}

async function readSweepText(plan: StoredPlan | undefined): Promise<string | undefined> {
  const file = plan?.sweep.file;
  if (!file) return undefined;
  try {
    const bytes = await Deno.readFile(file);
    return (await sha256(bytes)) === plan.sweep.hash ? new TextDecoder().decode(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a store folder into a {@link ReportInput}.
 *
 * @example
 * ```ts ignore
 * import { loadReportInput } from "./load.ts";
 * const input = await loadReportInput("results/quickstart");
 * console.log(input.rows.length);
 * ```
 */
export async function loadReportInput(storeDir: string): Promise<ReportInput> {
  const store = await readStore(storeDir);
  const plan = await readPlan(storeDir);
  const roots = [Deno.cwd(), resolve(new URL("..", import.meta.url).pathname)];
  if (plan?.sweep.file) roots.push(dirname(dirname(plan.sweep.file)));
  const facts = new Map<string, ModelFacts>();
  for (const job of store.jobs) {
    if (!facts.has(job.model.label)) facts.set(job.model.label, await modelFacts(job.model, roots));
  }
  const base = storeDir.replace(/\/+$/, "").split("/").pop() ?? storeDir;
  return {
    storeDir,
    sweepName: plan?.sweep.name ?? store.jobs[0]?.sweep ?? base,
    plan,
    sweepText: await readSweepText(plan),
    jobs: store.jobs,
    samples: store.samples,
    torn: store.torn,
    facts,
    rows: aggregateRows(store.jobs, facts),
  };
}
