import assert from "node:assert/strict";
import { bootstrapStderr } from "./bootstrap.ts";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test("the bootstrap error of a mean is close to the analytic standard error", () => {
  const xs = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // p = 0.25
  const analytic = Math.sqrt(0.25 * 0.75 / 200);
  const got = bootstrapStderr(xs, mean, { iterations: 4000 });
  assert.ok(Math.abs(got - analytic) / analytic < 0.1, `${got} vs ${analytic}`);
});

Deno.test("the bootstrap is reproducible and zero for constant or single samples", () => {
  const xs = [0.1, 0.5, 0.9, 0.3];
  assert.equal(bootstrapStderr(xs, mean), bootstrapStderr(xs, mean));
  assert.notEqual(bootstrapStderr(xs, mean, { seed: 1 }), bootstrapStderr(xs, mean, { seed: 2 }));
  assert.equal(bootstrapStderr([3, 3, 3], mean), 0);
  assert.equal(bootstrapStderr([3], mean), 0);
  assert.equal(bootstrapStderr([], mean), 0);
});
