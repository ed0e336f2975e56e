import assert from "node:assert/strict";
import { expertBitset, jaccard } from "../bench/expert_bitset.ts";
import { toBase64 } from "../bench/sample_experts.ts";
import { ResultStore } from "../bench/store.ts";
import { readSideEntries } from "../bench/experts_store.ts";
import { flockingCharts } from "./flocking_charts.ts";
import { flockingData } from "./flocking_data.ts";
import { loadReportInput, type ReportInput } from "./load.ts";
import { type JobRecord, readStore } from "../bench/records.ts";

const STORE = new URL("./testdata/quickstart", import.meta.url).pathname;

Deno.test("the quickstart store's flocking data: energy per setting, overlaps, one heatmap", async () => {
  const input = await loadReportInput(STORE);
  const data = await flockingData(input);
  assert.equal(data.energy.length, 3 * 3 * 2); // tasks × densities below 1 × methods
  const row = data.energy.find((e) =>
    e.task === "perplexity" && e.method === "topk" && e.density === 0.5
  )!;
  const job = input.jobs.find((j) =>
    j.task.name === "perplexity" && j.method === "topk" && j.density === 0.5
  )!;
  const samples = input.samples.get(job.jobId)!;
  const layer0 = samples.reduce((a, s) => a + s.experts!.energy[0]!, 0) / samples.length;
  assert.ok(Math.abs(row.layers[0]! - layer0) < 1e-12);
  assert.equal(row.samples, 12);
  // GRIFFIN keeps more energy than the magnitude set, and more than a random set's density
  for (const e of data.energy.filter((e) => e.method === "topk")) {
    const magnitude = data.energy.find((m) =>
      m.method === "magnitude" && m.task === e.task && m.density === e.density
    )!;
    assert.ok(e.mean > magnitude.mean && e.mean > e.density, `${e.task} ${e.density}`);
  }
  assert.deepEqual(data.overlap.map((o) => o.density).sort(), [0.25, 0.5, 0.75]);
  assert.equal(data.heatmaps.length, 1);
  assert.deepEqual(data.heatmaps[0].layers.map((l) => l.layer), [0, 3, 6]);
  assert.equal(data.heatmaps[0].layers[0].neurons.length, 48);
  assert.equal(flockingCharts(data, input.rows).length, 1 + 1 + 3);
});

Deno.test("within-task overlap equals the mean over every pair of the side file's bitsets", async () => {
  const input = await loadReportInput(STORE);
  const data = await flockingData(input);
  const job = input.jobs.find((j) =>
    j.task.name === "perplexity" && j.method === "topk" && j.density === 0.5
  )!;
  const entries = await readSideEntries(STORE, job.jobId);
  const sets = input.samples.get(job.jobId)!.map((s) => {
    const e = entries.get(`${s.attempt}/experts/${s.id}`)!.entry;
    return e.kind === "experts" ? e.sets[2]! : new Uint8Array();
  });
  const values: number[] = [];
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) values.push(jaccard(sets[i], sets[j]));
  }
  // the three tasks' within-task means; perplexity's is one of them
  const perplexity = values.reduce((a, b) => a + b, 0) / values.length;
  const o = data.overlap.find((o) => o.density === 0.5)!;
  assert.ok(o.within[2]! > 0 && perplexity > 0);
  const all = await Promise.all(
    ["continuation", "lambada_openai"].map(async (task) => {
      const j = input.jobs.find((x) =>
        x.task.name === task && x.method === "topk" && x.density === 0.5
      )!;
      const found = await readSideEntries(STORE, j.jobId);
      const list = input.samples.get(j.jobId)!.slice(0, 48).map((s) => {
        const e = found.get(`${s.attempt}/experts/${s.id}`)!.entry;
        return e.kind === "experts" ? e.sets[2]! : new Uint8Array();
      });
      const v: number[] = [];
      for (let a = 0; a < list.length; a++) {
        for (let b = a + 1; b < list.length; b++) v.push(jaccard(list[a], list[b]));
      }
      return v.reduce((x, y) => x + y, 0) / v.length;
    }),
  );
  assert.ok(Math.abs(o.within[2]! - (perplexity + all[0] + all[1]) / 3) < 1e-12);
});

Deno.test("a repeat's copy of a prompt does not count as a second prompt in the overlaps", async () => {
  const dir = await Deno.makeTempDir();
  const store = await ResultStore.open(dir);
  const jobs = [];
  for (const repeat of [0, 1]) {
    const jobId = `job${repeat}`;
    const attempt = store.nextAttempt(jobId);
    for (const [id, experts] of [["0", [0, 1]], ["1", [1, 2]]] as const) {
      await store.appendSample({
        type: "sample",
        jobId,
        attempt,
        id,
        prompt: "p",
        metrics: {},
        experts: {
          ffSize: 8,
          energy: [0.8],
          magnitudeOverlap: [0.5],
          sets: [toBase64(expertBitset(experts, 8))],
        },
      });
    }
    const job = {
      type: "job",
      jobId,
      attempt,
      status: "ok",
      repeat,
      density: 0.25,
      method: "topk",
      mode: "gen",
      model: { id: "m", label: "m" },
      task: { name: "t", version: "1", options: {} },
      samples: 2,
    } as unknown as JobRecord;
    await store.appendJob(job);
    jobs.push(job);
  }
  await store.close();
  const { samples } = await readStore(dir);
  const data = await flockingData({ storeDir: dir, jobs, samples } as unknown as ReportInput);
  assert.deepEqual(data.overlap[0].within, [1 / 3]); // {0,1} and {1,2} once, not four sets
  assert.equal(data.energy[0].samples, 4); // energy pools both repeats
  await Deno.remove(dir, { recursive: true });
});
