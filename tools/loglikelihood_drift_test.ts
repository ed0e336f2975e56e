import assert from "node:assert/strict";
import type { StoredSample } from "../bench/records.ts";
import { isNearTie, jobDrift, requestDifferences } from "./loglikelihood_drift.ts";

const sample = (id: string, lls: (number | undefined)[]): StoredSample => ({
  type: "sample",
  jobId: "piqa-1",
  attempt: 1,
  id,
  prompt: "p",
  metrics: {},
  requests: lls.map((ll, i) => ({
    context: "c",
    continuation: ` choice ${i}`,
    ...(ll === undefined ? {} : { loglikelihood: ll, greedy: false }),
  })),
});

Deno.test("each request's log-likelihood difference, or none where a run lacks one", () => {
  assert.deepEqual(requestDifferences(sample("0", [-2, -3]), sample("0", [-2.25, -3])), [0.25, 0]);
  assert.equal(requestDifferences(sample("0", [-2, -3]), sample("0", [-2, undefined])), undefined);
  assert.equal(requestDifferences(sample("0", [-2]), sample("0", [-2, -3])), undefined);
  assert.equal(requestDifferences(sample("0", []), sample("0", [])), undefined);
  const other = sample("0", [-2]);
  other.requests![0].continuation = " else";
  assert.equal(requestDifferences(sample("0", [-2]), other), undefined);
});

Deno.test("a job's drift: requests in both runs, matched by sample id, and the largest gap", () => {
  const a = [sample("0", [-1, -2]), sample("1", [-5, -6]), sample("2", [-1])];
  const b = [sample("1", [-5.001, -6]), sample("0", [-1, -2.0005]), sample("3", [-1])];
  const drift = jobDrift(a, b)!;
  assert.equal(drift.requests, 4);
  assert.ok(Math.abs(drift.largest - 0.001) < 1e-12, String(drift.largest));
  assert.equal(jobDrift([sample("0", [undefined])], [sample("0", [-1])]), undefined);
});

Deno.test("a near tie: every request within the tolerance; never at tolerance 0", () => {
  const [a, b] = [sample("0", [-2, -2.0004]), sample("0", [-2.001, -2])];
  assert.ok(isNearTie(a, b, 2e-3));
  assert.ok(!isNearTie(a, b, 5e-4));
  assert.ok(!isNearTie(a, a, 0));
  assert.ok(!isNearTie(a, sample("0", [-2, undefined]), 1));
});
