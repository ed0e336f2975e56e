/**
 * The result store a sweep writes into: one folder, `records.jsonl` appended one whole line per
 * write by one process. Opening it repairs what a kill can leave behind: a torn last line is cut
 * off (and kept in `records.jsonl.torn`), and samples of attempts that never got a job record,
 * or job records a later attempt replaced, are dropped by an atomic rewrite. Samples' expert
 * sets go to the job's side file (bench/experts_store.ts) before the sample's line, which
 * records their offset; opening repairs the side files the same way.
 *
 * @module
 */
import { ExpertsWriter, repairSideFiles } from "./experts_store.ts";
import {
  committedRecords,
  type JobRecord,
  parseRecords,
  RECORDS_FILE,
  type StoredSample,
  type StoreRecord,
} from "./records.ts";
import { type SampleExperts, sideEntries } from "./sample_experts.ts";

/** A sample as the harness appends it: its expert facts (if any) still whole. */
export type NewSample = Omit<StoredSample, "experts"> & { experts?: SampleExperts };

/** What opening a store found and fixed. */
export interface StoreRepair {
  /** Bytes of a torn last line that were cut off. */
  tornBytes: number;
  /** Records dropped: samples of unfinished attempts and job records later ones replaced. */
  droppedRecords: number;
  /** Side-file entries dropped (unfinished attempts, torn tails). */
  droppedEntries?: number;
}

const encoder = new TextEncoder();

/** An open result store. Appends are serialised; each is one write of whole lines. */
export class ResultStore {
  readonly #file: Deno.FsFile;
  readonly #attempts: Map<string, number>;
  readonly #experts: ExpertsWriter;
  #queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    file: Deno.FsFile,
    /** The final job record of each job already in the store. */
    readonly jobs: Map<string, JobRecord>,
    attempts: Map<string, number>,
    /** What opening repaired. */
    readonly repair: StoreRepair,
  ) {
    this.#file = file;
    this.#attempts = attempts;
    this.#experts = new ExpertsWriter(dir);
  }

  /**
   * Opens (creating when missing) the store in `dir`, repairing it first. Throws when another
   * live process on this host holds the store (its `lock` file); a dead holder's lock is taken.
   */
  static async open(dir: string): Promise<ResultStore> {
    await Deno.mkdir(dir, { recursive: true });
    await takeLock(dir);
    const path = `${dir}/${RECORDS_FILE}`;
    const { records, attempts, repair } = await repairFile(path);
    const jobs = new Map<string, JobRecord>();
    for (const record of records) if (record.type === "job") jobs.set(record.jobId, record);
    const file = await Deno.open(path, { append: true, create: true });
    return new ResultStore(dir, file, jobs, attempts, repair);
  }

  /** The next attempt number of a job (past every attempt the store has seen). */
  nextAttempt(jobId: string): number {
    const next = (this.#attempts.get(jobId) ?? 0) + 1;
    this.#attempts.set(jobId, next);
    return next;
  }

  /**
   * Appends a sample; resolves once its line is written. Its expert sets, if any, are written
   * to the job's side file first and the line records their offsets.
   */
  appendSample(sample: NewSample): Promise<void> {
    const { experts, ...rest } = sample;
    if (!experts) return this.#append(rest, false);
    return this.#append(rest, false, async () => {
      const key = { jobId: sample.jobId, attempt: sample.attempt, id: sample.id };
      const [at, activationsAt] = await this.#experts.append(key.jobId, sideEntries(experts, key));
      const { energy, magnitudeOverlap } = experts;
      const facts = { at, ...(activationsAt === undefined ? {} : { activationsAt }) };
      return { ...rest, experts: { ...facts, energy, magnitudeOverlap } };
    });
  }

  /** Appends a job record and syncs it (and its side file) to disk; the job counts as finished from then on. */
  async appendJob(record: JobRecord): Promise<void> {
    await this.#append(
      record,
      true,
      async () => (await this.#experts.finish(record.jobId), record),
    );
    this.jobs.set(record.jobId, record);
  }

  #append(
    record: StoreRecord,
    sync: boolean,
    before?: () => Promise<StoreRecord>,
  ): Promise<void> {
    const write = async () => {
      const bytes = encoder.encode(JSON.stringify(before ? await before() : record) + "\n");
      let written = 0;
      while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
      if (sync) await this.#file.syncData();
    };
    this.#queue = this.#queue.then(write);
    return this.#queue;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    this.#file.close();
    this.#experts.close();
    await Deno.remove(`${this.dir}/${LOCK_FILE}`).catch(() => {});
  }
}

/** The lock file of a store: `{ pid, host }` of the process writing it. */
export const LOCK_FILE = "lock";

async function takeLock(dir: string): Promise<void> {
  const path = `${dir}/${LOCK_FILE}`;
  const mine = JSON.stringify({ pid: Deno.pid, host: Deno.hostname() });
  try {
    await Deno.writeTextFile(path, mine, { createNew: true });
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  let holder: { pid?: number; host?: string } = {};
  try {
    holder = JSON.parse(await Deno.readTextFile(path));
  } catch {
    // an empty or torn lock: its writer died while writing it
  }
  const alive = holder.host === Deno.hostname() && holder.pid !== Deno.pid &&
    (await Deno.stat(`/proc/${holder.pid}`).then(() => true, () => false));
  if (alive || (holder.host !== undefined && holder.host !== Deno.hostname())) {
    throw new Error(
      `${dir} is being written by process ${holder.pid} on ${holder.host}; wait for it to end ` +
        `or stop it (if it is gone, delete ${path})`,
    );
  }
  await Deno.writeTextFile(path, mine); // the holder died (a kill): take the store over
}

/**
 * Cuts a torn tail and drops records that are not results, rewriting the file atomically
 * (a temporary file renamed over it) only when something must go.
 */
export async function repairFile(
  path: string,
): Promise<{ records: StoreRecord[]; attempts: Map<string, number>; repair: StoreRepair }> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const dir = path.replace(/\/[^/]*$/, "") || ".";
      const { droppedEntries } = await repairSideFiles(dir, []); // entries with no record
      const repair = { tornBytes: 0, droppedRecords: 0, droppedEntries };
      return { records: [], attempts: new Map(), repair };
    }
    throw error;
  }
  const parsed = parseRecords(new TextDecoder().decode(bytes));
  const tornBytes = bytes.length - parsed.goodBytes;
  if (tornBytes > 0) await Deno.writeFile(`${path}.torn`, bytes.subarray(parsed.goodBytes));
  const { jobs, samples } = committedRecords(parsed.records);
  const kept = new Set<StoreRecord>([...jobs, ...[...samples.values()].flat()]);
  const dir = path.replace(/\/[^/]*$/, "") || ".";
  const side = await repairSideFiles(dir, parsed.records.filter((record) => kept.has(record)));
  const records = side.records;
  const droppedRecords = parsed.records.length - records.length;
  if (tornBytes > 0 || droppedRecords > 0 || side.changed) {
    const text = records.map((record) => JSON.stringify(record) + "\n").join("");
    const temporary = `${path}.tmp`;
    await Deno.writeTextFile(temporary, text);
    const file = await Deno.open(temporary, { read: true, write: true });
    await file.syncData();
    file.close();
    await Deno.rename(temporary, path);
  }
  // Attempts of dropped records still count, so a rerun never reuses an attempt number.
  const attempts = new Map<string, number>();
  for (const { jobId, attempt } of parsed.records) {
    attempts.set(jobId, Math.max(attempts.get(jobId) ?? 0, attempt));
  }
  const repair = { tornBytes, droppedRecords, droppedEntries: side.droppedEntries };
  return { records, attempts, repair };
}
