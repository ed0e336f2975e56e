/*
 * A pool of workers per GPU, on a simulated machine of two GPUs (the fake runner needs none):
 * jobs spread over both, each recorded once, and a worker killed on one GPU has its job retried.
 */
import assert from "node:assert/strict";
import type { Gpu } from "./devices.ts";
import { countStore, runFake } from "./testing/harness.ts";

const TWO_H200: Gpu[] = [0, 1].map((index) => ({
  index,
  name: "NVIDIA H200 (simulated)",
  memoryMiB: 143771,
  driver: "580.159.04",
}));

Deno.test("a sweep on two GPUs places workers on both and records every job once", async () => {
  const out = await Deno.makeTempDir();
  const { code } = await runFake(
    { out, machineGpus: TWO_H200, gpus: [0, 1], workersPerGpu: 2 },
    { sleepMs: 30 },
  );
  assert.equal(code, 0);
  const store = await countStore(out);
  assert.equal(store.distinctJobs, 14);
  assert.equal(store.jobLines, 14);
  const devices = new Set(store.jobs.map((job) => job.worker.split("#")[0]));
  assert.deepEqual([...devices].sort(), ["cuda:0", "cuda:1"]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a worker killed on one GPU has its job retried and the sweep completes", async () => {
  const out = await Deno.makeTempDir();
  const marker = `${out}/fired`;
  const crash = { match: { task: "echo", density: 0.5 }, do: "crash", once: marker };
  const { code, log } = await runFake(
    { out, machineGpus: TWO_H200, gpus: [0, 1], retries: 1 },
    { rules: [crash] },
  );
  assert.equal(code, 0);
  const said = log.filter((line) => line.startsWith("retrying "));
  assert.equal(said.length, 1, "one line says the job runs again");
  assert.match(said[0], /echo\/gen d=0\.5 .*worker process crashed.* on cuda:[01]#\d/);
  const store = await countStore(out);
  assert.equal(store.ok, 14);
  assert.equal(store.distinctJobs, 14);
  assert.ok(store.jobs.some((job) => job.attempt === 2), "the crashed job ran again");
  await Deno.remove(out, { recursive: true });
});

Deno.test("asking for a GPU the machine lacks fails before anything runs", async () => {
  const out = await Deno.makeTempDir();
  const { code, log } = await runFake({ out, machineGpus: TWO_H200, gpus: [0, 2] });
  assert.equal(code, 2);
  assert.ok(log.some((line) => /GPU 2 was asked for but this machine has GPUs: 0, 1/.test(line)));
  await Deno.remove(out, { recursive: true });
});
