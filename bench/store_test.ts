import assert from "node:assert/strict";
import { type JobRecord, readStore, RECORDS_FILE, type StoredSample } from "./records.ts";
import { ResultStore } from "./store.ts";

const sample = (jobId: string, attempt: number, id: string): Omit<StoredSample, "experts"> => ({
  type: "sample",
  jobId,
  attempt,
  id,
  prompt: "p",
  metrics: {},
});
const job = (jobId: string, attempt: number, samples: number) =>
  ({ type: "job", jobId, attempt, status: "ok", samples }) as unknown as JobRecord;

Deno.test("a torn last line is cut off, kept aside, and the store opens", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/${RECORDS_FILE}`;
  const good = [sample("a", 1, "0"), job("a", 1, 1)].map((r) => JSON.stringify(r) + "\n").join("");
  const torn = '{"type":"sample","jobId":"b","att';
  await Deno.writeTextFile(path, good + torn);
  const store = await ResultStore.open(dir);
  assert.equal(store.repair.tornBytes, torn.length);
  assert.deepEqual([...store.jobs.keys()], ["a"]);
  await store.appendJob(job("b", store.nextAttempt("b"), 0));
  await store.close();
  assert.equal(await Deno.readTextFile(path), good + JSON.stringify(job("b", 1, 0)) + "\n");
  assert.equal(await Deno.readTextFile(`${path}.torn`), torn);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("opening a store drops samples of unfinished attempts and never reuses their number", async () => {
  const dir = await Deno.makeTempDir();
  const lines = [sample("a", 1, "0"), sample("b", 1, "0"), job("b", 1, 1), sample("a", 2, "0")];
  await Deno.writeTextFile(
    `${dir}/${RECORDS_FILE}`,
    lines.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  const store = await ResultStore.open(dir);
  assert.equal(store.repair.droppedRecords, 2);
  assert.equal(store.nextAttempt("a"), 3);
  await store.appendSample(sample("a", 3, "0"));
  await store.appendJob(job("a", 3, 1));
  await store.close();
  const { jobs, samples } = await readStore(dir);
  assert.deepEqual(jobs.map((j) => [j.jobId, j.attempt]), [["b", 1], ["a", 3]]);
  assert.deepEqual([...samples.values()].map((s) => s.length), [1, 1]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("concurrent appends come out as whole lines", async () => {
  const dir = await Deno.makeTempDir();
  const store = await ResultStore.open(dir);
  const long = "x".repeat(100_000);
  await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) => store.appendSample({ ...sample("a", 1, `${i}`), prompt: long }),
    ),
  );
  await store.close();
  const lines = (await Deno.readTextFile(`${dir}/${RECORDS_FILE}`)).trimEnd().split("\n");
  assert.equal(lines.length, 20);
  assert.ok(lines.every((line) => JSON.parse(line).prompt === long));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a store written by a live process is refused; a dead writer's lock is taken over", async () => {
  const dir = await Deno.makeTempDir();
  const other = new Deno.Command("sleep", { args: ["30"] }).spawn();
  await Deno.writeTextFile(
    `${dir}/lock`,
    JSON.stringify({ pid: other.pid, host: Deno.hostname() }),
  );
  await assert.rejects(() => ResultStore.open(dir), new RegExp(`written by process ${other.pid}`));
  other.kill("SIGKILL");
  await other.status;
  const store = await ResultStore.open(dir);
  await store.close();
  await assert.rejects(() => Deno.stat(`${dir}/lock`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});
