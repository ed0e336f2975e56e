import assert from "node:assert/strict";
import type { StoredSample } from "../bench/records.ts";
import { jobRecord, metricsOf } from "../bench/testing/job_record.ts";
import { compareRuns, jobLabel, metricsEqual } from "./run_comparison.ts";

const piqa = (density: number, wallMs: number, engineMs: number, jobId = `piqa-${density}`) =>
  jobRecord({ jobId, density }, { wallMs, engineMs, harnessMs: wallMs - engineMs, loadMs: 0 });

Deno.test("equal runs have no problems, and the totals sum the jobs' wall times and splits", () => {
  const c = compareRuns(
    { jobs: [piqa(1, 400, 300), piqa(0.5, 200, 150)] },
    { jobs: [piqa(1, 100, 80), piqa(0.5, 100, 90)] },
  );
  assert.deepEqual(c.problems, []);
  assert.equal(c.jobs.length, 2);
  assert.equal(c.jobs[0].label, "stories260K piqa/class d=1 topk r0");
  assert.deepEqual(c.a, { wallMs: 600, loadMs: 0, engineMs: 450, harnessMs: 150 });
  assert.deepEqual(c.b, { wallMs: 200, loadMs: 0, engineMs: 170, harnessMs: 30 });
});

Deno.test("metrics are equal within 1e-9 relative and differ beyond it", () => {
  assert.ok(metricsEqual(0.123456789, 0.123456789 * (1 + 1e-12)));
  assert.ok(metricsEqual(0, 0) && metricsEqual(NaN, NaN));
  assert.ok(!metricsEqual(0.4, 0.4 * (1 + 1e-8)));
  const off = jobRecord({ jobId: "piqa-1", metrics: metricsOf({ acc: 0.45, acc_norm: 0.5 }) });
  const c = compareRuns({ jobs: [piqa(1, 400, 300)] }, { jobs: [off] });
  assert.deepEqual(c.problems, ["stories260K piqa/class d=1 topk r0: acc differs: A 0.4, B 0.45"]);
});

Deno.test("a job missing or failed in one run, or a missing metric, is a problem", () => {
  const failed = jobRecord({ status: "failed", error: "out of memory", metrics: {} });
  const fewer = jobRecord({ density: 0.5, metrics: metricsOf({ acc: 0.4 }) });
  const c = compareRuns(
    { jobs: [piqa(1, 400, 300), piqa(0.5, 200, 100), piqa(0.25, 100, 50)] },
    { jobs: [failed, fewer, jobRecord({ task: { name: "boolq", version: "1", options: {} } })] },
  );
  assert.deepEqual(c.problems, [
    "stories260K piqa/class d=1 topk r0: failed in B (out of memory)",
    "stories260K piqa/class d=0.5 topk r0: acc_norm differs: A 0.5, B missing",
    "stories260K piqa/class d=0.25 topk r0: missing in B",
    "stories260K boolq/class d=1 topk r0: missing in A",
  ]);
  assert.equal(c.jobs.length, 1); // only the job ok in both is timed
});

Deno.test("jobs match by what defines them, not by job id or sweep name", () => {
  const renamed = jobRecord({ jobId: "ffffffffffffffff", sweep: "other" });
  const c = compareRuns({ jobs: [jobRecord()] }, { jobs: [renamed] });
  assert.deepEqual(c.problems, []);
  assert.equal(c.jobs.length, 1);
  const otherSeed = jobRecord({ seed: 43 });
  assert.equal(compareRuns({ jobs: [jobRecord()] }, { jobs: [otherSeed] }).problems.length, 2);
});

Deno.test("records without the engine/harness split leave the totals' split unknown", () => {
  const old = jobRecord({}, { engineMs: undefined, harnessMs: undefined });
  const c = compareRuns({ jobs: [old] }, { jobs: [jobRecord()] });
  assert.equal(c.a.engineMs, undefined);
  assert.equal(c.b.engineMs, 300);
  assert.equal(jobLabel(old), "stories260K piqa/class d=1 topk r0");
});

/** A sample of job piqa-1 with its acc and, when given, its requests' log-likelihoods. */
const sample = (id: string, acc: number, lls?: number[]): StoredSample => ({
  type: "sample",
  jobId: "piqa-1",
  attempt: 1,
  id,
  prompt: "p",
  metrics: { acc },
  ...(lls
    ? {
      requests: lls.map((ll, i) => ({ continuation: ` ${i}`, loglikelihood: ll, greedy: false })),
    }
    : {}),
});

Deno.test("where both runs hold a job's samples, each sample's metrics must be equal", () => {
  const a = {
    jobs: [piqa(1, 400, 300)],
    samples: new Map([["piqa-1", [sample("0", 1), sample("1", 0)]]]),
  };
  const same = new Map([["piqa-1", [sample("1", 0), sample("0", 1)]]]);
  assert.deepEqual(compareRuns(a, { jobs: [piqa(1, 100, 80)], samples: same }).problems, []);
  const swapped = new Map([["piqa-1", [sample("0", 0), sample("1", 1)]]]);
  assert.deepEqual(compareRuns(a, { jobs: [piqa(1, 100, 80)], samples: swapped }).problems, [
    'stories260K piqa/class d=1 topk r0: 2 of 2 samples differ (first: sample 0, A {"acc":1}, ' +
    'B {"acc":0})',
  ]);
});

Deno.test("samples that differ only where every request scored within the tolerance are near ties", () => {
  const job = (acc: number, wallMs: number) =>
    jobRecord({ jobId: "piqa-1", metrics: metricsOf({ acc }) }, { wallMs, engineMs: wallMs });
  const a = {
    jobs: [job(0.5, 400)],
    samples: new Map([["piqa-1", [sample("0", 1, [-2, -2.0005]), sample("1", 0, [-4, -3])]]]),
  };
  const flipped = {
    jobs: [job(0, 100)],
    samples: new Map([["piqa-1", [sample("0", 0, [-2.001, -2]), sample("1", 0, [-4, -3])]]]),
  };
  const near = compareRuns(a, flipped, { loglikelihoodTolerance: 2e-3 });
  assert.deepEqual(near.problems, []);
  assert.equal(near.nearTies.length, 1);
  assert.match(
    near.nearTies[0],
    /^stories260K piqa\/class d=1 topk r0: acc differs: A 0\.5, B 0; 1 of 2 samples differ .*largest log-likelihood difference: 1\.00e-3; every request of those samples scored within 0\.002/,
  );
  assert.deepEqual(near.jobs[0].drift?.requests, 4);
  // without a tolerance, or with one too tight, the same runs mismatch
  assert.equal(compareRuns(a, flipped).problems.length, 2);
  assert.equal(compareRuns(a, flipped, { loglikelihoodTolerance: 5e-4 }).nearTies.length, 0);
  // a sample that differs by more than the tolerance makes the job a problem, near ties or not
  const far = {
    jobs: [job(1, 100)],
    samples: new Map([["piqa-1", [sample("0", 0, [-2.001, -2]), sample("1", 1, [-2, -3])]]]),
  };
  const mixed = compareRuns(a, far, { loglikelihoodTolerance: 2e-3 });
  assert.deepEqual(mixed.nearTies, []);
  assert.match(mixed.problems.join("\n"), /2 of 2 samples differ/);
});
