import assert from "node:assert/strict";
import type { JobRecord } from "../bench/records.ts";
import { ResultStore } from "../bench/store.ts";
import { jobRecord, metricsOf } from "../bench/testing/job_record.ts";

const SCRIPT = new URL("./compare_runs.ts", import.meta.url).pathname;

async function store(dir: string, jobs: JobRecord[]): Promise<string> {
  const s = await ResultStore.open(dir);
  for (const job of jobs) await s.appendJob({ ...job, attempt: s.nextAttempt(job.jobId) });
  await s.close();
  return dir;
}

async function compare(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", SCRIPT, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const jobs = (wallMs: number, engineMs: number) =>
  [1, 0.5].map((density) =>
    jobRecord({ jobId: `piqa-${density}`, density }, {
      wallMs,
      engineMs,
      harnessMs: wallMs - engineMs,
      loadMs: density === 1 ? 50 : 0,
    })
  );

Deno.test("two stores with equal metrics: the table, the totals, Markdown, exit code 0", async () => {
  const dir = await Deno.makeTempDir();
  const one = await store(`${dir}/one`, jobs(400, 300));
  const batched = await store(`${dir}/batched`, jobs(100, 75));
  const { code, stdout } = await compare(one, batched, "--markdown", `${dir}/cmp.md`);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /stories260K piqa\/class d=0\.5 topk r0 +acc=0\.4 acc_norm=0\.5 +acc=0\.4/);
  assert.match(stdout, /total \(2 jobs, loading excluded\) +800 +200 +4\.00× +600 +200 +25\.0%/);
  assert.match(stdout, /loading, workers and models \(not in the wall times\): A 50 ms, B 50 ms/);
  assert.match(stdout, /metrics equal in all 2 jobs/);
  const markdown = await Deno.readTextFile(`${dir}/cmp.md`);
  assert.match(
    markdown,
    /\| total \(2 jobs, loading excluded\) \| {2}\| {2}\| 800 \| 200 \| 4\.00× \|/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a metric that differs is a MISMATCH line and exit code 1", async () => {
  const dir = await Deno.makeTempDir();
  const one = await store(`${dir}/one`, jobs(400, 300));
  const [first, second] = jobs(100, 75);
  const off = { ...second, metrics: metricsOf({ acc: 0.4, acc_norm: 0.5000001 }) };
  const batched = await store(`${dir}/batched`, [first, off]);
  const { code, stdout } = await compare(one, batched);
  assert.equal(code, 1);
  assert.match(stdout, /^MISMATCH stories260K piqa\/class d=0\.5 topk r0: acc_norm differs/m);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a missing store or a wrong command line is one line and exit code 2", async () => {
  const missing = await compare("/nonexistent/a", "/nonexistent/b");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: \/nonexistent\/a\/records\.jsonl does not exist/);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  const one = await compare("/nonexistent/a");
  assert.equal(one.code, 2);
  assert.match(one.stderr, /give two result folders/);
});

Deno.test("--loglikelihood-tolerance: near ties are NEAR-TIE lines and exit code 0", async () => {
  const dir = await Deno.makeTempDir();
  const scored = (acc: number, lls: number[]) => ({
    id: "0",
    prompt: "p",
    metrics: { acc },
    requests: lls.map((ll, i) => ({ continuation: ` ${i}`, loglikelihood: ll, greedy: false })),
  });
  const write = async (name: string, acc: number, lls: number[]) => {
    const s = await ResultStore.open(`${dir}/${name}`);
    const job = jobRecord({ metrics: metricsOf({ acc }) });
    const attempt = s.nextAttempt(job.jobId);
    await s.appendSample({ type: "sample", jobId: job.jobId, attempt, ...scored(acc, lls) });
    await s.appendJob({ ...job, attempt });
    await s.close();
    return `${dir}/${name}`;
  };
  const one = await write("one", 1, [-2, -2.0005]);
  const batched = await write("batched", 0, [-2.001, -2]);
  const strict = await compare(one, batched);
  assert.equal(strict.code, 1, strict.stdout);
  assert.match(strict.stdout, /the largest difference 1\.00e-3/);
  const loose = await compare(one, batched, "--loglikelihood-tolerance", "2e-3");
  assert.equal(loose.code, 0, loose.stdout);
  assert.match(loose.stdout, /metrics equal in 0 of 1 jobs; the others differ only in near ties/);
  assert.match(loose.stdout, /^NEAR-TIE stories260K piqa\/class d=1 topk r0: acc differs/m);
  const bad = await compare(one, batched, "--loglikelihood-tolerance", "-1");
  assert.equal(bad.code, 2);
  await Deno.remove(dir, { recursive: true });
});
