/**
 * Merging the stores of shards (or of separate runs of one sweep) into one store: one job
 * record per job id and that attempt's samples. Where two stores hold the same job, an `ok`
 * record wins over a `failed` one, then the later one.
 *
 * @module
 */
import { type JobRecord, readStore, RECORDS_FILE, type StoredSample } from "./records.ts";
import { readSideEntries } from "./experts_store.ts";
import type { ActivationsEntry, ExpertsEntry } from "./experts_file.ts";
import { sampleExpertsOf } from "./sample_experts.ts";
import { type NewSample, ResultStore } from "./store.ts";

/** What a merge did. */
export interface MergeSummary {
  /** Jobs in the merged store. */
  jobs: number;
  /** Samples in the merged store. */
  samples: number;
  /** Job records left out because another store had the same job. */
  duplicates: number;
}

function better(a: JobRecord, b: JobRecord): JobRecord {
  if (a.status !== b.status) return a.status === "ok" ? a : b;
  return a.finishedAt >= b.finishedAt ? a : b;
}

/** Merges `sources` (store folders) into `out`, which must not hold records yet. */
export async function mergeStores(out: string, sources: readonly string[]): Promise<MergeSummary> {
  try {
    if ((await Deno.stat(`${out}/${RECORDS_FILE}`)).size > 0) {
      throw new Error(`${out} already holds records; merge into a new folder`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const chosen = new Map<string, { job: JobRecord; samples: StoredSample[]; source: string }>();
  let duplicates = 0;
  for (const source of sources) {
    const { jobs, samples } = await readStore(source);
    for (const job of jobs) {
      const entry = { job, samples: samples.get(job.jobId) ?? [], source };
      const held = chosen.get(job.jobId);
      if (held) {
        duplicates++;
        if (better(held.job, job) === held.job) continue;
      }
      chosen.set(job.jobId, entry);
    }
  }
  const store = await ResultStore.open(out);
  let samples = 0;
  for (const { job, samples: list, source } of chosen.values()) {
    for (const sample of list) await store.appendSample(await withSideEntries(source, sample));
    await store.appendJob(job);
    samples += list.length;
  }
  await store.close();
  return { jobs: chosen.size, samples, duplicates };
}

/** A stored sample with its expert facts read back from the source store's side file. */
async function withSideEntries(source: string, sample: StoredSample): Promise<NewSample> {
  const { experts, ...rest } = sample;
  if (!experts) return rest;
  const entries = await readSideEntries(source, sample.jobId);
  const found = (kind: string) => entries.get(`${sample.attempt}/${kind}/${sample.id}`)?.entry;
  const sets = found("experts") as ExpertsEntry | undefined;
  if (!sets) return rest; // the side file is gone: the sample keeps its metrics only
  const activations = found("activations") as ActivationsEntry | undefined;
  return { ...rest, experts: sampleExpertsOf(experts, sets, activations) };
}
