import assert from "node:assert/strict";
import { writeIndex } from "./index_page.ts";
import { writeSyntheticStore } from "./testing/synthetic_store.ts";
import { writeReport } from "./write_report.ts";

Deno.test("the index links every report under the results folder, shards included", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (const store of ["a", "b/shard-1-of-2"]) {
      await writeSyntheticStore(`${root}/${store}`);
      await writeReport(`${root}/${store}`);
    }
    await Deno.mkdir(`${root}/empty`);
    const path = await writeIndex(root);
    const page = await Deno.readTextFile(path);
    assert.equal(path, `${root}/index.html`);
    assert.match(page, /href="a\/report\.html"/);
    assert.match(page, /href="b\/shard-1-of-2\/report\.html"/);
    assert.match(page, /2 sweep reports/);
    assert.match(page, /llama2-13b, llama2-7b, mistral-7b/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
