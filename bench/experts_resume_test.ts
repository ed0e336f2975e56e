import assert from "node:assert/strict";
import { entryKey, expertsFilePath, parseEntries } from "./experts_file.ts";
import { readStore, RECORDS_FILE } from "./records.ts";
import { runSweep } from "./run_sweep.ts";
import { FAKE_RUNNER, SAMPLE_SWEEP } from "./testing/harness.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function jobLines(path: string): Promise<number> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l.includes('"type":"job"')).length;
}

Deno.test("a sweep with analysis.experts killed with SIGKILL and resumed keeps one side-file entry per sample", async () => {
  const out = await Deno.makeTempDir();
  const sweep = `${out}/sweep.jsonc`;
  const text = (await Deno.readTextFile(SAMPLE_SWEEP)).replace(
    /"seed": 42,/,
    '"seed": 42, "analysis": { "experts": true },',
  );
  await Deno.writeTextFile(sweep, text);
  const env = { FAKE_RUNNER: JSON.stringify({ sleepMs: 40 }) };
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      sweep,
      "--runner",
      FAKE_RUNNER,
      "--out",
      `${out}/s`,
      "--cpu",
    ],
    env,
    stdout: "null",
    stderr: "null",
  }).spawn();
  while ((await jobLines(`${out}/s/${RECORDS_FILE}`)) < 4) {
    await new Promise((done) => setTimeout(done, 20));
  }
  await new Promise((done) => setTimeout(done, 50)); // land inside a job
  child.kill("SIGKILL");
  await child.status;

  const code = await runSweep({
    file: sweep,
    runner: FAKE_RUNNER,
    out: `${out}/s`,
    resume: true,
    gpus: "none",
    print: () => {},
    workerEnv: env,
  });
  assert.equal(code, 0);
  const { jobs, samples } = await readStore(`${out}/s`);
  assert.equal(jobs.length, 14);
  let checked = 0;
  for (const job of jobs) {
    const list = samples.get(job.jobId) ?? [];
    const path = expertsFilePath(`${out}/s`, job.jobId);
    if (job.density === 1) {
      assert.ok(list.every((s) => s.experts === undefined));
      assert.equal(await Deno.stat(path).catch(() => null), null);
      continue;
    }
    const parsed = parseEntries(await Deno.readFile(path));
    assert.equal(parsed.torn, false);
    assert.deepEqual(
      parsed.entries.map((e) => entryKey(e.entry)),
      list.map((s) => entryKey({ attempt: job.attempt, kind: "experts", id: s.id })),
    );
    assert.deepEqual(list.map((s) => s.experts!.at), parsed.entries.map((e) => e.offset));
    checked += list.length;
  }
  assert.equal(checked, 24); // 12 jobs below density 1, 2 samples each
  await Deno.remove(out, { recursive: true });
});
