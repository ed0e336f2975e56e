import assert from "node:assert/strict";
import { main } from "./main.ts";
import { writeSyntheticStore } from "./testing/synthetic_store.ts";

function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { log, error } = console;
  console.log = console.error = () => {};
  return fn().finally(() => Object.assign(console, { log, error }));
}

Deno.test("deno task report STORE writes the report in the store and an index beside it", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeSyntheticStore(`${root}/sweep`);
    assert.equal(await quietly(() => main([`${root}/sweep`])), 0);
    assert.ok((await Deno.stat(`${root}/sweep/report.html`)).isFile);
    assert.ok((await Deno.stat(`${root}/index.html`)).isFile);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the report command refuses no store, an unknown flag, and --out with two stores", async () => {
  assert.equal(await quietly(() => main([])), 2);
  assert.equal(await quietly(() => main(["x", "--colour"])), 2);
  assert.equal(await quietly(() => main(["a", "b", "--out", "r.html"])), 2);
});

Deno.test("the report command fails with 1 on a folder that is not a store", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await quietly(() => main([dir, "--no-index"])), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
