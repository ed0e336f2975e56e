import assert from "node:assert/strict";
import type { Job } from "./plan.ts";
import { WorkerProcess } from "./worker_process.ts";

const RUNNER = new URL("./testing/fake_runner.ts", import.meta.url).href;

function fakeJob(density: number, timeoutSeconds = 30): Job {
  return {
    jobId: `job-${density}`,
    index: 0,
    sweep: "t",
    model: { id: "synthetic:tiny", label: "tiny" },
    group: "tiny",
    task: { name: "echo", version: "1", options: { limit: 3 } },
    density,
    method: "topk",
    mode: "gen",
    seed: 42,
    repeat: 0,
    timeoutSeconds,
  };
}

Deno.test("a worker runs jobs one after another and streams their samples", async () => {
  const worker = new WorkerProcess({ device: "cpu", name: "cpu#0" }, RUNNER);
  const seen: string[] = [];
  for (const density of [0.5, 0.25]) {
    const outcome = await worker.run(fakeJob(density), (s) => {
      seen.push(`${density}:${s.id}`);
      return Promise.resolve();
    });
    assert.equal(outcome.kind, "done");
  }
  assert.deepEqual(seen, ["0.5:0", "0.5:1", "0.5:2", "0.25:0", "0.25:1", "0.25:2"]);
  await worker.close();
  assert.equal(worker.alive, false);
});

Deno.test("a worker's start and its runner's modules count as its first job's loading", async () => {
  const worker = new WorkerProcess({ device: "cpu", name: "cpu#0" }, RUNNER, {
    FAKE_RUNNER: JSON.stringify({ importMs: 300 }), // the runner's modules take 300 ms to import
  });
  const loads: number[] = [];
  for (const density of [0.5, 0.25]) { // one model: the fake runner opens it in no time
    const outcome = await worker.run(fakeJob(density), () => Promise.resolve());
    assert.equal(outcome.kind, "done");
    if (outcome.kind === "done") loads.push(outcome.output.loadMs);
  }
  await worker.close();
  assert.ok(loads[0] >= 300, `the first job's loading: ${loads[0]} ms`);
  assert.ok(loads[1] < 1, `the second job's loading: ${loads[1]} ms`);
});

Deno.test("a worker that crashes, runs out of memory or hangs is reported with the reason", async () => {
  const cases = [
    { do: "crash", expect: /crashed \(exit code 139 \(a segmentation fault\)\)/ },
    { do: "abort", expect: /crashed \(signal SIGABRT\)/ },
    { do: "oom", expect: /^CUDA out of memory/ },
    { do: "hang", expect: /time limit of 2 s/ },
    { do: "throw", expect: /the job threw: the fake task failed on purpose/ },
  ];
  const workers = cases.map((c) =>
    new WorkerProcess({ device: "cpu", name: "cpu#0" }, RUNNER, {
      FAKE_RUNNER: JSON.stringify({ rules: [{ match: {}, do: c.do }] }),
    })
  );
  const outcomes = await Promise.all(
    workers.map((w) => w.run(fakeJob(0.5, 2), () => Promise.resolve())),
  );
  outcomes.forEach((outcome, i) => {
    assert.equal(outcome.kind, "failed");
    if (outcome.kind !== "failed") return;
    assert.match(outcome.error, cases[i].expect);
    assert.equal(outcome.workerLost, cases[i].do !== "throw");
  });
  const oom = outcomes[2];
  assert.ok(oom.kind === "failed" && oom.stderrTail.some((l) => l.includes("out of memory")));
  await Promise.all(workers.map((w) => w.close()));
});

Deno.test("loading a model does not count against a job's limit, and has a limit of its own", async () => {
  // the model takes 2.5 s to open, the job's own work a few milliseconds: a 2 s job limit holds
  const slowLoad = { FAKE_RUNNER: JSON.stringify({ loadMs: 2500 }) };
  const worker = new WorkerProcess({ device: "cpu", name: "cpu#0" }, RUNNER, slowLoad);
  const outcome = await worker.run(fakeJob(0.5, 2), () => Promise.resolve());
  assert.equal(outcome.kind, "done");
  if (outcome.kind === "done") assert.ok(outcome.output.loadMs >= 2500);
  await worker.close();
  // a load past its own limit fails the job and names the load
  const stuck = new WorkerProcess({ device: "cpu", name: "cpu#0" }, RUNNER, slowLoad);
  const failed = await stuck.run(
    { ...fakeJob(0.5, 60), loadTimeoutSeconds: 1 },
    () => Promise.resolve(),
  );
  assert.equal(failed.kind, "failed");
  if (failed.kind === "failed") {
    assert.match(failed.error, /loading its model ran past the limit of 1 s/);
  }
});
