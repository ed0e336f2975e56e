import assert from "node:assert/strict";
import { expertBitset } from "./expert_bitset.ts";
import { readSideEntries } from "./experts_store.ts";
import { mergeStores } from "./merge.ts";
import { type JobRecord, readStore } from "./records.ts";
import { toBase64 } from "./sample_experts.ts";
import { ResultStore } from "./store.ts";

async function source(dir: string, jobId: string, first: number) {
  const store = await ResultStore.open(dir);
  const attempt = store.nextAttempt(jobId);
  for (let i = 0; i < 2; i++) {
    await store.appendSample({
      type: "sample",
      jobId,
      attempt,
      id: `${i}`,
      prompt: "p",
      metrics: {},
      experts: {
        ffSize: 16,
        energy: [0.9],
        magnitudeOverlap: [0.4],
        sets: [toBase64(expertBitset([first + i, 15], 16))],
        ...(i === 0
          ? {
            activations: {
              tokens: ["a"],
              layers: [{ layer: 0, neurons: [3], rows: 1, values: toBase64(new Uint8Array(4)) }],
            },
          }
          : {}),
      },
    });
  }
  const job = { type: "job", jobId, attempt, status: "ok", samples: 2, finishedAt: "x" };
  await store.appendJob(job as unknown as JobRecord);
  await store.close();
}

Deno.test("merging stores copies each sample's side-file entries and points its record at them", async () => {
  const dir = await Deno.makeTempDir();
  await source(`${dir}/a`, "ja", 0);
  await source(`${dir}/b`, "jb", 5);
  const summary = await mergeStores(`${dir}/all`, [`${dir}/a`, `${dir}/b`]);
  assert.deepEqual([summary.jobs, summary.samples], [2, 4]);
  const { samples } = await readStore(`${dir}/all`);
  for (const [jobId, first] of [["ja", 0], ["jb", 5]] as const) {
    const entries = await readSideEntries(`${dir}/all`, jobId);
    assert.equal(entries.size, 3); // two sets and one activations entry
    for (const s of samples.get(jobId)!) {
      const found = entries.get(`1/experts/${s.id}`)!;
      assert.equal(found.offset, s.experts!.at);
      const set = found.entry.kind === "experts" ? found.entry.sets[0]! : null;
      assert.deepEqual(set, expertBitset([first + Number(s.id), 15], 16));
    }
    assert.equal(typeof samples.get(jobId)![0].experts!.activationsAt, "number");
  }
  await Deno.remove(dir, { recursive: true });
});
