/**
 * A runner for tests: no model, deterministic samples, and misbehaviour on demand.
 *
 * The environment variable `FAKE_RUNNER` holds JSON:
 * `{ "sleepMs": 5, "loadMs": 0, "rules": [{ "match": { "density": 0.5 }, "do": "crash" }] }`;
 * `importMs` makes importing this module take that long (a runner's heavy modules).
 * A rule's `match` compares job fields (`density`, `method`, `mode`, `task`, `model`, `repeat`);
 * `do` is `crash` (exit 139), `abort` (the process kills itself with SIGABRT, as a failed native
 * assertion does), `oom` (prints a
 * CUDA out-of-memory error and exits 1), `hang` (never ends), `throw` (the job throws) or
 * `slow` (sleeps `slowMs` per sample). `after` is how many samples come first (default 1).
 * With `once` (a file path) the rule fires only while that file does not exist, and creates it.
 *
 * @module
 */
import { expertBitset } from "../expert_bitset.ts";
import type { Job } from "../plan.ts";
import { toBase64 } from "../sample_experts.ts";
import type { JobOutput, Runner, SampleData, TaskInfo } from "../runner.ts";

/** The fake tasks: `echo` (gen and class), `count` (gen), `choice` (class). */
export function taskCatalog(): TaskInfo[] {
  return [
    { name: "echo", version: "1", modes: ["gen", "class"] },
    { name: "count", version: "2", modes: ["gen"] },
    { name: "choice", version: "1", modes: ["class"] },
  ];
}

interface Rule {
  match: Record<string, unknown>;
  do: "crash" | "abort" | "oom" | "hang" | "throw" | "slow";
  after?: number;
  once?: string;
  slowMs?: number;
}

interface Script {
  sleepMs?: number;
  loadMs?: number;
  importMs?: number;
  rules?: Rule[];
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

await sleep(JSON.parse(Deno.env.get("FAKE_RUNNER") ?? "{}").importMs ?? 0);

function fieldOf(job: Job, key: string): unknown {
  if (key === "task") return job.task.name;
  if (key === "model") return job.model.label;
  return (job as unknown as Record<string, unknown>)[key];
}

function ruleFor(job: Job, rules: Rule[]): Rule | undefined {
  for (const rule of rules) {
    if (!Object.entries(rule.match).every(([k, v]) => fieldOf(job, k) === v)) continue;
    if (rule.once) {
      try {
        Deno.writeTextFileSync(rule.once, "fired", { createNew: true });
      } catch {
        continue; // already fired
      }
    }
    return rule;
  }
  return undefined;
}

async function misbehave(rule: Rule): Promise<void> {
  switch (rule.do) {
    case "crash":
      console.error("fake runner: crashing on purpose");
      Deno.exit(139);
      break;
    case "abort":
      Deno.kill(Deno.pid, "SIGABRT");
      await sleep(10_000);
      break;
    case "oom":
      console.error("CUDA error: out of memory (cudaMalloc of 2048 MiB)");
      Deno.exit(1);
      break;
    case "hang":
      await new Promise((done) => setTimeout(done, 1e9));
      break;
    case "throw":
      throw new Error("the fake task failed on purpose");
  }
}

/** Expert facts of a 16-neuron, 2-layer model: the first k neurons shifted by the sample. */
function fakeExperts(density: number, sample: number) {
  const k = Math.floor(16 * density);
  const set = expertBitset(Array.from({ length: k }, (_, j) => (j + sample) % 16), 16);
  return {
    ffSize: 16,
    energy: [density, density],
    magnitudeOverlap: [0.5, 0.5],
    sets: [toBase64(set), toBase64(set)],
  };
}

/** A runner that scores `limit` (default 3) fake samples per job. */
export function createRunner(context: { device: string }): Runner {
  const script: Script = JSON.parse(Deno.env.get("FAKE_RUNNER") ?? "{}");
  let openModel: string | undefined;
  return {
    async run(
      job: Job,
      onSample: (s: SampleData) => Promise<void>,
      onLoad?: (phase: "loading" | "loaded") => Promise<void>,
    ): Promise<JobOutput> {
      let loadMs = 0;
      if (openModel !== job.model.id) {
        await onLoad?.("loading");
        const start = performance.now();
        await sleep(script.loadMs ?? 0);
        openModel = job.model.id;
        loadMs = performance.now() - start;
        await onLoad?.("loaded");
      }
      const rule = ruleFor(job, script.rules ?? []);
      const n = Number(job.task.options.limit ?? 3);
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (rule && i === (rule.after ?? 1) && rule.do !== "slow") await misbehave(rule);
        await sleep(rule?.do === "slow" ? rule.slowMs ?? 100 : script.sleepMs ?? 0);
        const score = (job.density * 10 + i) % 7 / 7;
        total += score;
        await onSample({
          id: String(i),
          prompt: `prompt ${i}`,
          reference: `reference ${i}`,
          output: `${job.method}@${job.density} on ${context.device}`,
          metrics: { score },
          ...(job.analysis?.experts ? { experts: fakeExperts(job.density, i) } : {}),
        });
      }
      return {
        metrics: { score: { value: n ? total / n : 0, stderr: 0, higherIsBetter: true } },
        samples: n,
        skipped: 0,
        timings: {
          promptMs: 1,
          selectionMs: 0.1,
          decodeMsPerToken: 2,
          tokensPerSecond: 500,
          generatedTokens: 4 * n,
        },
        loadMs,
        engineBuild: "fake-1",
      };
    },
    close() {
      openModel = undefined;
    },
  };
}
