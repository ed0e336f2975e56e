import assert from "node:assert/strict";
import { mergeStores } from "./merge.ts";
import { parseShard, shardJobs } from "./plan.ts";
import { countStore, runFake } from "./testing/harness.ts";

Deno.test("shards partition the plan exactly, in order, for any count", () => {
  for (const total of [0, 1, 7, 14, 100]) {
    const jobs = Array.from({ length: total }, (_, i) => i);
    for (const count of [1, 2, 3, 5, 16]) {
      const parts = Array.from({ length: count }, (_, index) => shardJobs(jobs, { index, count }));
      assert.deepEqual(parts.flat(), jobs);
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
  }
});

Deno.test("--shard accepts i/n with i below n and explains anything else", () => {
  assert.deepEqual(parseShard("3/4"), { index: 3, count: 4 });
  for (const bad of ["4/4", "1", "a/b", "0/0"]) {
    assert.throws(() => parseShard(bad), /expected i\/n/);
  }
});

Deno.test("the stores of two shards merge into the whole sweep without duplicates", async () => {
  const dir = await Deno.makeTempDir();
  const shards = [0, 1].map((index) => `${dir}/shard-${index}`);
  for (const [index, out] of shards.entries()) {
    assert.equal((await runFake({ out, shard: { index, count: 2 } })).code, 0);
  }
  const sizes = await Promise.all(shards.map(async (s) => (await countStore(s)).distinctJobs));
  assert.deepEqual(sizes, [7, 7]);
  // The first shard's store given twice: its jobs must still count once.
  const summary = await mergeStores(`${dir}/merged`, [...shards, shards[0]]);
  assert.deepEqual(summary, { jobs: 14, samples: 28, duplicates: 7 });
  const merged = await countStore(`${dir}/merged`);
  assert.deepEqual([merged.lines, merged.distinctJobs, merged.samples], [42, 14, 28]);
  await assert.rejects(() => mergeStores(`${dir}/merged`, shards), /already holds records/);
  await Deno.remove(dir, { recursive: true });
});
