import assert from "node:assert/strict";
import { loadSummaries } from "./summarization.ts";
import { jsonl, sharedFile, tempFile } from "./_shared.ts";

const o = { shots: 0, seed: 1234, sentences: 3 };

Deno.test("the paper format uses article as the whole prompt and summary_gt as reference", async () => {
  const path = await tempFile(
    "x.jsonl",
    jsonl([{ article: "###\nArticle: A.\n\nSummarize", summary_gt: "S.", stop: ["###"] }]),
  );
  assert.deepEqual(await loadSummaries(path, o), [{
    id: "0",
    prompt: "###\nArticle: A.\n\nSummarize",
    reference: "S.",
  }]);
  await assert.rejects(
    () => loadSummaries(path, { ...o, shots: 1 }),
    /Option "shots" does not apply/,
  );
});

Deno.test("the plain article/highlights form builds the paper's prompt with drawn examples", async () => {
  const path = await tempFile(
    "c.jsonl",
    jsonl([
      { article: "First story.", highlights: "One." },
      { article: "Second story.", highlights: "Two." },
    ]),
  );
  const [zero] = await loadSummaries(path, o);
  assert.equal(
    zero.prompt,
    "###\nArticle: First story.\n\nSummarize the above article in 3 sentences.\n",
  );
  assert.equal(zero.reference, "One.");
  const [one] = await loadSummaries(path, { ...o, shots: 1 });
  assert.equal(
    one.prompt,
    "###\nArticle: Second story.\n\nSummarize the above article in 3 sentences.\nTwo.\n\n" +
      zero.prompt,
  );
});

Deno.test("an unknown summarisation format is an error naming the fields", async () => {
  const path = await tempFile("bad.jsonl", jsonl([{ document: "x", summary: "y" }]));
  await assert.rejects(
    () => loadSummaries(path, o),
    /neither "summary_gt" \(paper format\) nor "highlights"/,
  );
});

const xsum = sharedFile("tasks/xsum/xsum_1shot.jsonl");
Deno.test({
  name: `the shared XSum 1-shot file loads 1000 paper-format prompts${
    xsum ? "" : " (skipped: ../shared/data absent)"
  }`,
  ignore: !xsum,
  fn: async () => {
    const docs = await loadSummaries(xsum!, o);
    assert.equal(docs.length, 1000);
    assert.ok(docs[0].prompt.startsWith("###\nArticle: "));
    assert.ok(docs[0].prompt.endsWith("Summarize the above article in 1 sentences."));
    assert.ok(docs.every((d) => d.reference.length > 0));
  },
});
