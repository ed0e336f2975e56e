import assert from "node:assert/strict";
import { committedRecords, parseRecords, readStore, type StoreRecord } from "./records.ts";

const sample = (jobId: string, attempt: number, id: string): StoreRecord => ({
  type: "sample",
  jobId,
  attempt,
  id,
  prompt: "p",
  metrics: { f1: 1 },
});

// deno-lint-ignore no-explicit-any
const job = (jobId: string, attempt: number, status: "ok" | "failed"): any => ({
  type: "job",
  jobId,
  attempt,
  status,
});

Deno.test("parseRecords reads whole lines and reports a torn last line", () => {
  const good = JSON.stringify(sample("a", 1, "0")) + "\n";
  const parsed = parseRecords(good + '{"type":"sam');
  assert.equal(parsed.records.length, 1);
  assert.equal(parsed.torn, true);
  assert.equal(parsed.goodBytes, new TextEncoder().encode(good).length);
  assert.equal(parseRecords(good).torn, false);
});

Deno.test("parseRecords treats a garbled line as the end of the good prefix", () => {
  const good = JSON.stringify(sample("é", 1, "0")) + "\n";
  const parsed = parseRecords(good + "not json\n" + good);
  assert.equal(parsed.records.length, 1);
  assert.equal(parsed.torn, true);
  assert.equal(parsed.goodBytes, new TextEncoder().encode(good).length);
});

Deno.test("committedRecords keeps the last job record and only its attempt's samples", () => {
  const { jobs, samples } = committedRecords([
    sample("a", 1, "0"),
    job("a", 1, "failed"),
    sample("a", 2, "0"),
    sample("a", 2, "1"),
    job("a", 2, "ok"),
    sample("b", 1, "0"), // no job record: an interrupted attempt
  ]);
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].status, "ok");
  assert.deepEqual(samples.get("a")?.map((s) => s.id), ["0", "1"]);
  assert.equal(samples.has("b"), false);
});

Deno.test("readStore names the folder when it holds no records", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(() => readStore(dir), /records\.jsonl does not exist/);
  await Deno.remove(dir, { recursive: true });
});
