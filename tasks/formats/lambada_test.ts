import assert from "node:assert/strict";
import { loadLambada } from "./lambada.ts";
import { jsonl, sharedFile, tempFile } from "./_shared.ts";

Deno.test("LAMBADA puts one space before the last word unless one is there", async () => {
  const path = await tempFile(
    "l.jsonl",
    jsonl([
      { context: "I don't care about", continuation: "signs" },
      { context: "She said ", continuation: "Shane" },
    ]),
  );
  const docs = await loadLambada(path, { shots: 0, seed: 1 });
  assert.deepEqual(docs.map((d) => d.continuation), [" signs", "Shane"]);
  const [shot] = await loadLambada(path, { shots: 1, seed: 1 });
  assert.equal(shot.context, "She said Shane\n\nI don't care about");
});

const shared = sharedFile("tasks/text/lambada_openai.jsonl");
Deno.test({
  name: `the shared LAMBADA file loads 5153 passages${
    shared ? "" : " (skipped: ../shared/data absent)"
  }`,
  ignore: !shared,
  fn: async () => {
    const docs = await loadLambada(shared!, { shots: 0, seed: 1 });
    assert.equal(docs.length, 5153);
    assert.equal(docs[0].continuation, " signs");
  },
});
