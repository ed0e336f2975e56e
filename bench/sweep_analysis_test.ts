import assert from "node:assert/strict";
import { planJobs } from "./plan.ts";
import { loadSweepFile } from "./sweep_file.ts";
import { SweepFileError } from "./sweep_problems.ts";
import { taskCatalog } from "./testing/fake_runner.ts";

const SAMPLE = new URL("./testing/sample_sweep.jsonc", import.meta.url).pathname;

async function load(analysis: unknown) {
  const text = (await Deno.readTextFile(SAMPLE)).replace(
    '"seed": 42,',
    `"seed": 42, "analysis": ${JSON.stringify(analysis)},`,
  );
  const file = await Deno.makeTempFile({ suffix: ".jsonc" });
  await Deno.writeTextFile(file, text);
  try {
    return await loadSweepFile(file, taskCatalog());
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("analysis.experts asks every job below density 1 for expert facts, one per model for activations", async () => {
  const plain = await planJobs(await loadSweepFile(SAMPLE, taskCatalog()));
  assert.ok(plain.every((job) => job.analysis === undefined));
  const jobs = await planJobs(await load({ experts: true }));
  assert.deepEqual(jobs.map((j) => j.jobId), plain.map((j) => j.jobId)); // ids unchanged
  for (const job of jobs) assert.equal(job.analysis?.experts === true, job.density < 1);
  const heat = jobs.filter((job) => job.analysis?.activations);
  assert.equal(heat.length, 1);
  assert.deepEqual([heat[0].method, heat[0].mode, heat[0].density], ["topk", "gen", 0.75]);
  assert.ok((await planJobs(await load({}))).every((job) => job.analysis === undefined));
});

Deno.test("a mistyped analysis field is named with a suggestion", async () => {
  for (
    const [analysis, problem] of [
      [{ expert: true }, 'analysis.expert: unknown field; did you mean "experts"?'],
      [{ experts: "yes" }, "analysis.experts: expected true or false"],
    ] as const
  ) {
    const error = await load(analysis).catch((e) => e);
    assert.ok(error instanceof SweepFileError);
    assert.deepEqual(error.problems.map((p) => `${p.path}: ${p.message}`), [problem]);
  }
});
