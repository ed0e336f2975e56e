import assert from "node:assert/strict";
import { entryKey, expertsFilePath, parseEntries } from "./experts_file.ts";
import { readSideEntries } from "./experts_store.ts";
import { type JobRecord, readStore } from "./records.ts";
import { toBase64 } from "./sample_experts.ts";
import { repairFile, ResultStore } from "./store.ts";

const facts = (seed: number) => ({
  ffSize: 16,
  energy: [0.5 + seed / 100, null],
  magnitudeOverlap: [0.25, null],
  sets: [toBase64(new Uint8Array([seed, 255 - seed])), null],
});
const sample = (jobId: string, attempt: number, id: string, seed: number) => ({
  type: "sample" as const,
  jobId,
  attempt,
  id,
  prompt: "p",
  metrics: {},
  experts: facts(seed),
});
const job = (jobId: string, attempt: number, status = "ok") =>
  ({ type: "job", jobId, attempt, status, samples: 2 }) as unknown as JobRecord;

/** Every committed sample's entry is where its record says, and each key appears once. */
async function assertLinked(dir: string) {
  const { samples } = await readStore(dir);
  for (const [jobId, list] of samples) {
    const bytes = await Deno.readFile(expertsFilePath(dir, jobId));
    const parsed = parseEntries(bytes);
    assert.equal(parsed.torn, false);
    const keys = parsed.entries.map((e) => entryKey(e.entry));
    assert.equal(new Set(keys).size, keys.length, `${jobId} has a duplicate entry`);
    assert.equal(parsed.entries.length, list.length);
    for (const s of list) {
      const at = parsed.entries.find((e) => e.offset === s.experts!.at)!;
      assert.equal(entryKey(at.entry), entryKey({ attempt: s.attempt, kind: "experts", id: s.id }));
    }
  }
}

Deno.test("a kill leaves no side-file entry behind twice: resume drops unfinished attempts and torn tails", async () => {
  const dir = await Deno.makeTempDir();
  let store = await ResultStore.open(dir);
  await store.appendSample(sample("a", store.nextAttempt("a"), "0", 1));
  await store.appendSample(sample("a", 1, "1", 2));
  await store.appendJob(job("a", 1));
  await store.appendSample(sample("b", store.nextAttempt("b"), "0", 3)); // killed mid-job
  await store.close();
  const tail = new Uint8Array([0x47, 0x46, 0x58, 0x45, 99, 0, 0]); // a frame cut short
  await Deno.writeFile(expertsFilePath(dir, "a"), tail, { append: true });
  await Deno.writeFile(expertsFilePath(dir, "b"), tail, { append: true });

  store = await ResultStore.open(dir); // resume
  assert.equal(store.repair.droppedRecords, 1);
  assert.equal(store.repair.droppedEntries, 1);
  await assertLinked(dir);
  await store.appendSample(sample("b", store.nextAttempt("b"), "0", 4));
  await store.appendSample(sample("b", 2, "1", 5));
  await store.appendJob(job("b", 2));
  await store.close();
  await assertLinked(dir);
  const b = await readSideEntries(dir, "b");
  assert.deepEqual([...b.keys()], ["2/experts/0", "2/experts/1"]);
  const [first] = (await readStore(dir)).samples.get("b")!;
  assert.deepEqual(first.experts, { at: 0, energy: [0.54, null], magnitudeOverlap: [0.25, null] });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a retried job's side file keeps only the recorded attempt, offsets rewritten", async () => {
  const dir = await Deno.makeTempDir();
  const store = await ResultStore.open(dir);
  await store.appendSample(sample("a", store.nextAttempt("a"), "0", 1));
  await store.appendJob(job("a", 1, "failed"));
  await store.appendSample(sample("a", store.nextAttempt("a"), "0", 7));
  await store.appendSample(sample("a", 2, "1", 8));
  await store.appendJob(job("a", 2));
  await store.close();
  const before = (await readStore(dir)).samples.get("a")!;
  assert.ok(before[0].experts!.at > 0);
  await repairFile(`${dir}/records.jsonl`); // as the sweep does at its end
  await assertLinked(dir);
  const after = (await readStore(dir)).samples.get("a")!;
  assert.equal(after[0].experts!.at, 0);
  const entry = (await readSideEntries(dir, "a")).get("2/experts/0")!.entry;
  assert.deepEqual(entry.kind === "experts" && [...entry.sets[0]!], [7, 248]);
  await Deno.remove(dir, { recursive: true });
});
