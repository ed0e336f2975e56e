import assert from "node:assert/strict";
import { PLAN_FILE, RECORDS_FILE } from "./records.ts";
import { countStore, runFake } from "./testing/harness.ts";

Deno.test("a sweep runs every job on the CPU pool and records jobs and samples", async () => {
  const out = await Deno.makeTempDir();
  const { code, log } = await runFake({ out });
  assert.equal(code, 0);
  const store = await countStore(out);
  assert.deepEqual([store.lines, store.jobLines, store.ok, store.samples], [42, 14, 14, 28]);
  const job = store.jobs[0];
  assert.equal(job.environment.device, "cpu");
  assert.equal(job.environment.engineBuild, "fake-1");
  assert.match(job.environment.sweepHash, /^[0-9a-f]{64}$/);
  assert.equal(job.worker, "cpu#0");
  assert.ok(log.some((line) => line.startsWith("[14/14] tiny")));
  assert.equal(JSON.parse(await Deno.readTextFile(`${out}/${PLAN_FILE}`)).jobs.length, 14);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a worker killed mid-job fails that job only; the sweep goes on and exits 1", async () => {
  const out = await Deno.makeTempDir();
  const crash = { match: { task: "echo", density: 0.5, method: "topk" }, do: "crash" };
  const { code } = await runFake({ out }, { rules: [crash] });
  assert.equal(code, 1);
  const store = await countStore(out);
  assert.equal(store.ok, 13);
  assert.equal(store.failed.length, 1);
  const [failed] = store.failed;
  assert.match(failed.error!, /worker process crashed \(exit code 139/);
  assert.ok(failed.stderrTail!.some((line) => line.includes("crashing on purpose")));
  assert.equal(store.samples, 26); // the crashed attempt's sample is not a result…
  assert.equal(store.lines, 13 * 3 + 1); // …and the end of the sweep dropped it from the file
  await Deno.remove(out, { recursive: true });
});

Deno.test("a failed job is retried and a second attempt that succeeds is recorded once", async () => {
  const out = await Deno.makeTempDir();
  const marker = `${out}/fired`;
  const rule = { match: { task: "count", density: 0.25 }, do: "abort", once: marker };
  const { code } = await runFake({ out: `${out}/store`, retries: 1 }, { rules: [rule] });
  assert.equal(code, 0);
  const store = await countStore(`${out}/store`);
  assert.deepEqual([store.jobLines, store.ok, store.samples], [14, 14, 28]);
  assert.deepEqual(store.jobs.filter((j) => j.attempt === 2).map((j) => j.task.name), ["count"]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a job over its time limit is failed and the next job gets a fresh worker", async () => {
  const out = await Deno.makeTempDir();
  const hang = { match: { task: "echo", density: 0.75, method: "topk" }, do: "hang" };
  const { code } = await runFake({ out, timeoutSeconds: 1 }, { rules: [hang] });
  assert.equal(code, 1);
  const store = await countStore(out);
  assert.equal(store.ok, 13);
  assert.match(store.failed[0].error!, /time limit of 1 s/);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a torn last line is repaired on resume and its job runs again, once", async () => {
  const out = await Deno.makeTempDir();
  assert.equal((await runFake({ out })).code, 0);
  const path = `${out}/${RECORDS_FILE}`;
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.slice(0, text.length - 40)); // cut into the last job record
  const { code, log } = await runFake({ out, resume: true });
  assert.equal(code, 0);
  assert.ok(log.some((line) => line.includes("cut a torn last line")));
  assert.ok(log.some((line) => line.includes("13 of 14 jobs already recorded")));
  const store = await countStore(out);
  assert.deepEqual([store.lines, store.distinctJobs, store.samples], [42, 14, 28]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a bad sweep file exits 2 and writes nothing; an existing store needs --resume", async () => {
  const dir = await Deno.makeTempDir();
  const bad = `${dir}/bad.jsonc`;
  await Deno.writeTextFile(
    bad,
    '{ "models": ["synthetic:tiny"], "densities": [2], "tasks": ["echo"] }',
  );
  const { code, log } = await runFake({ file: bad, out: `${dir}/out` });
  assert.equal(code, 2);
  assert.match(log.join("\n"), /densities\[0\]: expected a number from 0 to 1/);
  await assert.rejects(() => Deno.stat(`${dir}/out`), Deno.errors.NotFound);
  await Deno.mkdir(`${dir}/out`);
  await Deno.writeTextFile(`${dir}/out/${RECORDS_FILE}`, "\n");
  const again = await runFake({ out: `${dir}/out` });
  assert.equal(again.code, 2);
  assert.match(again.log.join("\n"), /pass --resume to continue it/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--dry-run prints the plan and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const { code, log } = await runFake({ out: `${dir}/out`, dryRun: true });
  assert.equal(code, 0);
  const text = log.join("\n");
  assert.match(
    text,
    /14 jobs in 1 model group; estimated 28 samples, at most 112 generated tokens/,
  );
  assert.match(text, /tiny \(synthetic:tiny\): 14 jobs, about 513 MiB/);
  assert.equal(text.split("\n").filter((line) => /^[0-9a-f]{16} /.test(line)).length, 14);
  await assert.rejects(() => Deno.stat(`${dir}/out`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});
