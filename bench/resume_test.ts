import assert from "node:assert/strict";
import { RECORDS_FILE } from "./records.ts";
import { countStore, FAKE_RUNNER, runFake, SAMPLE_SWEEP } from "./testing/harness.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function jobLines(path: string): Promise<number> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter((l) => l.includes('"type":"job"'))
      .length;
  } catch {
    return 0;
  }
}

Deno.test("a sweep killed with SIGKILL mid-run and resumed records every job exactly once", async () => {
  const out = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      SAMPLE_SWEEP,
      "--runner",
      FAKE_RUNNER,
      "--out",
      out,
      "--cpu",
    ],
    env: { FAKE_RUNNER: JSON.stringify({ sleepMs: 40 }) },
    stdout: "null",
    stderr: "null",
  }).spawn();
  while ((await jobLines(`${out}/${RECORDS_FILE}`)) < 4) {
    await new Promise((done) => setTimeout(done, 20));
  }
  await new Promise((done) => setTimeout(done, 50)); // land inside a job
  child.kill("SIGKILL");
  await child.status;
  const before = await jobLines(`${out}/${RECORDS_FILE}`);
  assert.ok(before >= 4 && before < 14, `${before} jobs were recorded before the kill`);

  const { code, log } = await runFake({ out, resume: true });
  assert.equal(code, 0);
  assert.ok(log.some((line) => line.includes(`${before} of 14 jobs already recorded`)));
  const store = await countStore(out);
  assert.deepEqual(
    [store.jobLines, store.distinctJobs, store.ok, store.samples, store.lines],
    [14, 14, 14, 28, 42],
  );
  await Deno.remove(out, { recursive: true });
});
