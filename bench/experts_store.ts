/**
 * The store's side files (bench/experts_file.ts): appending a sample's entries, reading a job's
 * entries back, and the repair that opening a store runs, so a killed sweep leaves each
 * recorded sample exactly one entry of each kind and its record the right offset.
 *
 * @module
 */
import {
  encodeEntry,
  entryKey,
  EXPERTS_DIR,
  expertsFilePath,
  parseEntries,
  type SideEntry,
} from "./experts_file.ts";
import type { StoredSample, StoreRecord } from "./records.ts";

/**
 * Appends entries to the side files of a store, one open file per running job.
 *
 * @example
 * ```ts ignore
 * const writer = new ExpertsWriter("results/quickstart");
 * const [at] = await writer.append(jobId, [entry]);
 * await writer.finish(jobId); // synced before the job's record is written
 * ```
 */
export class ExpertsWriter {
  readonly #files = new Map<string, { file: Deno.FsFile; size: number }>();

  /** Writes into `storeDir/experts/`. */
  constructor(readonly storeDir: string) {}

  /** Appends entries to a job's side file (each one write); resolves to their offsets. */
  async append(jobId: string, entries: SideEntry[]): Promise<number[]> {
    let open = this.#files.get(jobId);
    if (!open) {
      await Deno.mkdir(`${this.storeDir}/${EXPERTS_DIR}`, { recursive: true });
      const path = expertsFilePath(this.storeDir, jobId);
      const file = await Deno.open(path, { append: true, create: true });
      open = { file, size: (await file.stat()).size };
      this.#files.set(jobId, open);
    }
    const offsets: number[] = [];
    for (const entry of entries) {
      const bytes = encodeEntry(entry);
      offsets.push(open.size);
      let written = 0;
      while (written < bytes.length) written += await open.file.write(bytes.subarray(written));
      open.size += bytes.length;
    }
    return offsets;
  }

  /** Syncs a job's side file to disk and closes it (its job record comes next). */
  async finish(jobId: string): Promise<void> {
    const open = this.#files.get(jobId);
    if (!open) return;
    this.#files.delete(jobId);
    await open.file.syncData();
    open.file.close();
  }

  /** Closes every open side file. */
  close(): void {
    for (const { file } of this.#files.values()) file.close();
    this.#files.clear();
  }
}

/**
 * A job's side-file entries by {@link entryKey}, with their offsets; empty when it has none.
 *
 * @example
 * ```ts ignore
 * const entries = await readSideEntries("results/quickstart", job.jobId);
 * const sets = entries.get(`${job.attempt}/experts/${sample.id}`);
 * ```
 */
export async function readSideEntries(
  storeDir: string,
  jobId: string,
): Promise<Map<string, { offset: number; entry: SideEntry }>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(expertsFilePath(storeDir, jobId));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Map();
    throw error;
  }
  const out = new Map<string, { offset: number; entry: SideEntry }>();
  for (const item of parseEntries(bytes).entries) out.set(entryKey(item.entry), item);
  return out;
}

/** What {@link repairSideFiles} did. */
export interface SideRepair {
  /** The records, with offsets pointing at the repaired files. */
  records: StoreRecord[];
  /** Whether any record's offsets changed. */
  changed: boolean;
  /** Entries dropped (unfinished attempts, torn tails, duplicates). */
  droppedEntries: number;
}

/**
 * Keeps, in each job's side file, one entry per kind for each kept sample record (the last
 * one written), in record order; deletes side files no kept record refers to; rewrites a file
 * atomically only when it changes; and returns the records with their offsets set.
 *
 * @example
 * ```ts ignore
 * const { records, changed } = await repairSideFiles("results/quickstart", keptRecords);
 * ```
 */
export async function repairSideFiles(
  storeDir: string,
  records: StoreRecord[],
): Promise<SideRepair> {
  const samplesByJob = new Map<string, StoredSample[]>();
  for (const r of records) {
    if (r.type === "sample" && r.experts) {
      samplesByJob.set(r.jobId, [...(samplesByJob.get(r.jobId) ?? []), r]);
    }
  }
  let droppedEntries = 0;
  const offsets = new Map<StoredSample, { at: number; activationsAt?: number }>();
  for (const name of await sideFileNames(storeDir)) {
    const jobId = name.replace(/\.bin$/, "");
    const path = expertsFilePath(storeDir, jobId);
    const samples = samplesByJob.get(jobId) ?? [];
    const bytes = await Deno.readFile(path);
    const parsed = parseEntries(bytes);
    if (samples.length === 0) {
      droppedEntries += parsed.entries.length;
      await Deno.remove(path);
      continue;
    }
    const byKey = new Map(parsed.entries.map((e, i) => {
      const end = parsed.entries[i + 1]?.offset ?? parsed.goodBytes;
      return [entryKey(e.entry), bytes.subarray(e.offset, end)];
    }));
    const kept: Uint8Array[] = [];
    let size = 0;
    const place = (key: string) => {
      const frame = byKey.get(key);
      if (!frame) return undefined;
      kept.push(frame);
      size += frame.length;
      return size - frame.length;
    };
    for (const s of samples) {
      const at = place(entryKey({ attempt: s.attempt, kind: "experts", id: s.id }));
      const activationsAt = place(entryKey({ attempt: s.attempt, kind: "activations", id: s.id }));
      if (at === undefined) continue;
      offsets.set(s, { at, ...(activationsAt === undefined ? {} : { activationsAt }) });
    }
    droppedEntries += parsed.entries.length - kept.length;
    if (size !== bytes.length) {
      const joined = new Uint8Array(size);
      let at = 0;
      for (const part of kept) (joined.set(part, at), at += part.length);
      await Deno.writeFile(`${path}.tmp`, joined);
      const file = await Deno.open(`${path}.tmp`, { read: true, write: true });
      await file.syncData();
      file.close();
      await Deno.rename(`${path}.tmp`, path);
    }
  }
  let changed = false;
  const out = records.map((r) => {
    if (r.type !== "sample" || !r.experts) return r;
    const { activationsAt: _, ...rest } = r.experts;
    const next = { ...r, experts: { ...rest, ...(offsets.get(r) ?? { at: -1 }) } };
    if (JSON.stringify(next.experts) !== JSON.stringify(r.experts)) changed = true;
    return next;
  });
  return { records: out, changed, droppedEntries };
}

async function sideFileNames(storeDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(`${storeDir}/${EXPERTS_DIR}`)) {
      if (e.isFile && e.name.endsWith(".bin")) names.push(e.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}
