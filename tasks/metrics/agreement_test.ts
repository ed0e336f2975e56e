import assert from "node:assert/strict";
import { meanKlDivergence, top1Agreement } from "./agreement.ts";

const row = (...ps: number[]) => Float32Array.from(ps.map(Math.log));

Deno.test("agreement is KL 0 and top-1 1 for identical distributions", () => {
  const rows = [row(0.7, 0.2, 0.1), row(0.1, 0.1, 0.8)];
  assert.equal(meanKlDivergence(rows, rows), 0);
  assert.equal(top1Agreement(rows, rows), 1);
});

Deno.test("KL matches the hand-worked value and is averaged over positions", () => {
  // KL([.5,.5] ‖ [.25,.75]) = .5 ln 2 + .5 ln(2/3)
  const kl = 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3);
  const got = meanKlDivergence([row(0.5, 0.5), row(0.5, 0.5)], [row(0.25, 0.75), row(0.5, 0.5)]);
  assert.ok(Math.abs(got - kl / 2) < 1e-6, `${got}`);
});

Deno.test("top-1 agreement counts positions with the same arg-max", () => {
  const full = [row(0.6, 0.4), row(0.3, 0.7), row(0.5, 0.5)];
  const griffin = [row(0.4, 0.6), row(0.2, 0.8), row(0.5, 0.5)];
  assert.equal(top1Agreement(full, griffin), 2 / 3);
});

Deno.test("agreement refuses rows of different shapes", () => {
  assert.throws(() => meanKlDivergence([row(1)], []), /as many rows/);
  assert.throws(() => top1Agreement([row(1)], [row(0.5, 0.5)]), /vocabulary entries/);
});
