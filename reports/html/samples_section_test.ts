import assert from "node:assert/strict";
import type { StoredSample } from "../../bench/records.ts";
import { syntheticRecords } from "../testing/synthetic_store.ts";
import { samplesSection } from "./samples_section.ts";

Deno.test("samples show what was scored: the rendering, each context (or its hash and ends) and continuation", () => {
  const { jobs, samples } = syntheticRecords();
  const job = jobs.find((j) => j.status === "ok" && j.task.name === "boolq" && j.repeat === 0)!;
  const mine = jobs.filter((j) =>
    j.status === "ok" && j.repeat === 0 && j.model.label === job.model.label &&
    j.task.name === "boolq"
  );
  const byJob = new Map<string, StoredSample[]>();
  for (const j of mine) {
    byJob.set(j.jobId, [{
      ...samples.find((s) => s.jobId === j.jobId)!,
      id: "0",
      rendering: "lm-evaluation-harness v0.3 (the paper's), from the dataset's fields",
      requests: [
        {
          context: "Sky <b>is</b> blue.\nQuestion: is it?\nAnswer:",
          continuation: " yes",
          loglikelihood: -0.5,
          greedy: true,
        },
        {
          contextSha256: "ab".repeat(32),
          contextChars: 5000,
          contextHead: "Once",
          contextTail: "Answer:",
          continuation: " no",
        },
      ],
    }]);
  }
  const text = samplesSection(mine, byJob).text;
  assert.ok(text.includes("rendering: lm-evaluation-harness v0.3 (the paper&#39;s)"));
  assert.ok(text.includes("What was scored: 2 request(s)"));
  assert.ok(text.includes("Sky &lt;b&gt;is&lt;/b&gt; blue."));
  assert.ok(text.includes("continuation &quot; yes&quot;: log-likelihood -0.5000 (greedy)"));
  assert.ok(text.includes("continuation &quot; no&quot;</div>")); // no answer recorded
  assert.ok(text.includes(`[5000 characters, SHA-256 ${"ab".repeat(32)}]`));
});

Deno.test("samples without recorded requests render as before", () => {
  const { jobs, samples } = syntheticRecords();
  const byJob = new Map<string, StoredSample[]>();
  for (const s of samples) byJob.set(s.jobId, [...(byJob.get(s.jobId) ?? []), s]);
  const text = samplesSection(jobs, byJob).text;
  assert.ok(text.includes("Sample outputs") && !text.includes("What was scored"));
});
