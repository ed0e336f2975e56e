import assert from "node:assert/strict";
import { planJobs } from "./plan.ts";
import { loadSweepFile } from "./sweep_file.ts";
import { SweepFileError } from "./sweep_problems.ts";
import { taskCatalog } from "./testing/fake_runner.ts";

const SAMPLE = new URL("./testing/sample_sweep.jsonc", import.meta.url).pathname;
const FIXTURE = new URL("../../shared/data/models/stories260K/hf", import.meta.url).pathname;

async function writeSweep(content: unknown): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".jsonc" });
  await Deno.writeTextFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function problemsOf(content: unknown): Promise<string[]> {
  const file = await writeSweep(content);
  try {
    await loadSweepFile(file, taskCatalog());
    return [];
  } catch (error) {
    if (!(error instanceof SweepFileError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  } finally {
    await Deno.remove(file);
  }
}

const base = { models: ["synthetic:tiny"], densities: [0.5], tasks: ["echo"] };

Deno.test("the sample sweep plans 4 densities × 2 methods × 2 tasks, density 1 once per task", async () => {
  const jobs = await planJobs(await loadSweepFile(SAMPLE, taskCatalog()));
  assert.equal(jobs.length, 2 * (1 + 3 * 2));
  assert.equal(new Set(jobs.map((j) => j.jobId)).size, jobs.length);
  assert.deepEqual(
    jobs.filter((j) => j.density === 1).map((j) => [j.task.name, j.method]),
    [["echo", "topk"], ["count", "topk"]],
  );
  assert.ok(jobs.every((j) => j.group === "tiny" && j.mode === "gen" && j.seed === 42));
});

Deno.test("job ids stay the same when the file's order and labels change", async () => {
  const a = await planJobs(await loadSweepFile(await writeSweep(base), taskCatalog()));
  const b = await planJobs(
    await loadSweepFile(
      await writeSweep({
        tasks: [{ name: "echo" }],
        densities: [0.5],
        models: [{ label: "other", id: "synthetic:tiny" }],
      }),
      taskCatalog(),
    ),
  );
  assert.deepEqual(b.map((j) => j.jobId), a.map((j) => j.jobId));
  const c = await planJobs(
    await loadSweepFile(await writeSweep({ ...base, seed: 7 }), taskCatalog()),
  );
  assert.notEqual(c[0].jobId, a[0].jobId);
});

Deno.test("exclusions keep magnitude at density 0.5 only, and the sweep's modes meet each task's", async () => {
  const sweep = await loadSweepFile(
    await writeSweep({
      ...base,
      densities: [0.25, 0.5],
      methods: ["topk", "magnitude"],
      tasks: ["echo", "choice"],
      modes: ["gen", "class"],
      exclude: [{ method: "magnitude", density: { not: 0.5 } }],
    }),
    taskCatalog(),
  );
  const jobs = await planJobs(sweep);
  const magnitude = jobs.filter((j) => j.method === "magnitude");
  assert.deepEqual(magnitude.map((j) => j.density), [0.5, 0.5, 0.5]);
  assert.deepEqual([...new Set(jobs.map((j) => `${j.task.name}/${j.mode}`))], [
    "echo/gen",
    "echo/class",
    "choice/class",
  ]);
});

Deno.test("a Hugging Face folder is accepted and labelled by its model's name", async (t) => {
  try {
    await Deno.stat(FIXTURE);
  } catch {
    t.name; // ../shared is absent on a fresh clone
    console.log(`skipped: ${FIXTURE} is absent`);
    return;
  }
  const sweep = await loadSweepFile(
    await writeSweep({ ...base, models: [FIXTURE] }),
    taskCatalog(),
  );
  assert.equal(sweep.models[0].label, "stories260K");
});

Deno.test("Hub ids are accepted without a network call and labelled by their names", async () => {
  const sweep = await loadSweepFile(
    await writeSweep({
      ...base,
      models: ["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1@refs/pr/3"],
    }),
    taskCatalog(),
  );
  assert.deepEqual(sweep.models.map((m) => m.label), [
    "Llama-2-7b-hf",
    "Mistral-7B-v0.1@refs/pr/3",
  ]);
  assert.equal(sweep.models[0].hub, undefined);
});

Deno.test("every problem of a bad sweep file is listed with its path", async () => {
  const problems = await problemsOf({
    models: [{ id: "synthetic:tiny", dtype: "f8" }, "/nonexistent/model", { id: "synthetic:tiny" }],
    densities: [0.5, 1.5, 0.5],
    methods: ["topk", "magnitud"],
    tasks: ["echo", { name: "ecko" }, { name: "count", limit: 0, limt: 3, modes: ["class"] }],
    repeats: 0,
    devices: { gpus: "some" },
    exclude: [{ metod: "topk" }, { density: 0.3 }, {}],
    extra: true,
  });
  const expected = [
    'models[0].dtype: unknown name "f8"; did you mean "f32"?',
    "densities[1]: expected a number from 0 to 1",
    'methods[1]: unknown name "magnitud"; did you mean "magnitude"?',
    "tasks[2].limit: expected a positive integer",
    'tasks[2].limt: unknown field; did you mean "limit"?',
    "repeats: expected a positive integer",
    'devices.gpus: expected "all", "none" or a list of GPU indices',
    "extra: unknown field (known: $schema, name, description, models, densities, methods, " +
    "modes, tasks, seed, repeats, devices, timeoutSeconds, loadTimeoutSeconds, batch, retries, " +
    "exclude, analysis)",
  ];
  assert.deepEqual(problems.toSorted(), expected.toSorted());
});

Deno.test("problems beyond the shape are listed together once the shape is right", async () => {
  const problems = await problemsOf({
    models: ["synthetic:tiny", "/nonexistent/model", { id: "synthetic:tiny" }, "synthetic:"],
    densities: [0.5, 0.5],
    tasks: ["echo", { name: "ecko" }, { name: "count", modes: ["class"] }],
    modes: ["class"],
    exclude: [{ metod: "topk" }, { density: 0.3 }, {}, { model: { not: "tiny", also: 1 } }],
  });
  const expected = [
    "models[1].id: no Hugging Face folder at /nonexistent/model (config.json not found); " +
    "give a folder path (relative to the working directory), a Hub id ORG/NAME[@REVISION] or synthetic:NAME",
    'models[2].label: label "tiny" is also models[0]\'s; give each model its own label',
    "models[3].id: expected synthetic:NAME with a name of letters, digits, '.', '_' or '-'",
    "densities[1]: 0.5 is listed twice",
    'tasks[1].name: unknown task "ecko"; did you mean "echo"?',
    "tasks[2].modes[0]: task count has no mode class (it has: gen)",
    'exclude[0].metod: unknown field; did you mean "method"?',
    "exclude[1].density: 0.3 is not in the sweep (the sweep has: 0.5, 0.5)",
    "exclude[2]: an empty rule would exclude every job",
    'exclude[3].model: expected a value, a list or {"not": …}',
  ];
  assert.deepEqual(problems.toSorted(), expected.toSorted());
});

Deno.test("a file that is not JSON, YAML, or missing fails with a sentence", async () => {
  assert.deepEqual(await problemsOf('{ "models": [ }'), [
    ': not valid JSON: line 1, column 15: Unexpected token \'}\', "{ "models": [ }" is not valid JSON',
  ]);
  assert.deepEqual(await problemsOf({}), [
    "models: missing (it is required)",
    "densities: missing (it is required)",
    "tasks: missing (it is required)",
  ]);
  await assert.rejects(() => loadSweepFile("/nonexistent.jsonc", []), /the file does not exist/);
  await assert.rejects(() => loadSweepFile("x.yaml", []), /does not exist/);
});

Deno.test("a task's format picks the dataset's own rendering or llm-foundry's, and nothing else", async () => {
  const ok = {
    ...base,
    tasks: [{ name: "echo", format: "dataset" }, { name: "echo", format: "llm-foundry" }],
  };
  assert.deepEqual(await problemsOf(ok), []);
  const bad = await problemsOf({ ...base, tasks: [{ name: "echo", format: "harness" }] });
  assert.deepEqual(bad, ['tasks[0].format: unknown name "harness" (known: dataset, llm-foundry)']);
});

Deno.test("batch.generation opts a sweep's generation tasks into decoding together", async () => {
  const file = await writeSweep({ ...base, batch: { generation: true, maxSequences: 8 } });
  try {
    const jobs = await planJobs(await loadSweepFile(file, taskCatalog()));
    assert.ok(jobs.every((j) => j.batch?.generation === true && j.batch.maxSequences === 8));
  } finally {
    await Deno.remove(file);
  }
  assert.deepEqual(await problemsOf({ ...base, batch: { generation: "yes" } }), [
    "batch.generation: expected true or false",
  ]);
});
