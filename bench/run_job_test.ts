import assert from "node:assert/strict";
import { readStore } from "./records.ts";
import { DEFAULT_RUNNER } from "./runner.ts";
import { runSweep } from "./run_sweep.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FIXTURE = `${ROOT}../shared/data/models/stories260K/hf`;
const LIBRARY = `${ROOT}cuda/build/libgriffin.so`;

async function missing(): Promise<string | undefined> {
  for (const path of [FIXTURE, LIBRARY]) {
    try {
      await Deno.stat(path);
    } catch {
      return `${path} is absent (a fresh clone has no ../shared; run deno task build)`;
    }
  }
  return undefined;
}

Deno.test("the default runner runs a real sweep on stories260K with the engine and tasks", async () => {
  const why = await missing();
  if (why) return console.log(`skipped: ${why}`);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/sweep.jsonc`,
    JSON.stringify({
      models: [{ id: FIXTURE }],
      densities: [1, 0.5],
      methods: ["topk"],
      tasks: [
        { name: "tinystories", limit: 2, windowTokens: 64, promptTokens: 32 },
        { name: "piqa", limit: 4 },
      ],
    }),
  );
  const log: string[] = [];
  const code = await runSweep({
    file: `${dir}/sweep.jsonc`,
    runner: DEFAULT_RUNNER,
    out: `${dir}/out`,
    gpus: "none",
    print: (text) => log.push(text),
  });
  assert.equal(code, 0, log.join("\n"));
  const { jobs, samples } = await readStore(`${dir}/out`);
  assert.deepEqual(jobs.map((j) => `${j.task.name}/${j.mode}@${j.density}`), [
    "tinystories/gen@1",
    "tinystories/gen@0.5",
    "piqa/class@1",
    "piqa/class@0.5",
  ]);
  assert.ok(jobs.every((j) => j.status === "ok" && j.model.label === "stories260K"));
  const full = jobs[0].metrics.token_perplexity.value;
  const half = jobs[1].metrics.token_perplexity.value;
  assert.ok(full > 1 && half > full, `perplexity ${full} (full) vs ${half} (density 0.5)`);
  assert.equal(jobs[2].samples, 4);
  assert.equal(samples.get(jobs[2].jobId)?.length, 4);
  assert.ok(jobs[0].timings.loadMs > 0 && jobs[1].timings.loadMs === 0, "the model opens once");
  assert.ok(jobs[0].environment.engineBuild?.startsWith("griffin-bench engine"));
  await Deno.remove(dir, { recursive: true });
});
