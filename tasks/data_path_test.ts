import assert from "node:assert/strict";
import { defaultDataRoot, resolveDataPath } from "./data_path.ts";

Deno.test("an explicit path wins and a missing one is an error naming it", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/x.jsonl`;
  await Deno.writeTextFile(file, "{}\n");
  assert.equal(await resolveDataPath("xsum", file, "tasks/xsum/xsum_1shot.jsonl"), file);
  await assert.rejects(
    () => resolveDataPath("xsum", `${dir}/nope.jsonl`, "tasks/xsum/xsum_1shot.jsonl"),
    /Data file of task "xsum" not found at .*nope\.jsonl\. Check options\.path/,
  );
  await Deno.remove(dir, { recursive: true });
});

// These tests pass GRIFFIN_DATA's value explicitly: test files run in parallel in one process,
// so setting the process environment here would move other tests' data.
Deno.test("GRIFFIN_DATA sets the folder of default paths and the error says how to pass one", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/tasks/mc`, { recursive: true });
  await Deno.writeTextFile(`${dir}/tasks/mc/copa.jsonl`, "{}\n");
  try {
    const root = defaultDataRoot(dir + "/");
    assert.equal(root, dir);
    assert.equal(
      await resolveDataPath("copa", undefined, "tasks/mc/copa.jsonl", root),
      `${dir}/tasks/mc/copa.jsonl`,
    );
    await assert.rejects(
      () => resolveDataPath("piqa", undefined, "tasks/mc/piqa.jsonl", root),
      /set GRIFFIN_DATA to the folder that holds "tasks\/mc\/piqa\.jsonl"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without GRIFFIN_DATA the default folder is ../shared/data beside the repository", () => {
  assert.match(defaultDataRoot(""), /\/shared\/data$/);
});
