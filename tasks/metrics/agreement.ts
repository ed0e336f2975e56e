/**
 * Agreement of GRIFFIN with the full model on the same input, which is far less noisy than
 * task scores on small models. Both take the log-softmax rows (natural log) that predicted
 * each teacher-forced token of the reference continuation in the generation phase.
 *
 * @module
 */

/**
 * Mean over positions of KL(full ‖ griffin) = Σ_v p_full(v)·(log p_full(v) − log p_griffin(v)),
 * in nats. The full model is the reference distribution. 0 for identical rows.
 *
 * @example
 * ```ts
 * import { meanKlDivergence } from "./agreement.ts";
 * const row = Float32Array.from([Math.log(0.5), Math.log(0.5)]);
 * meanKlDivergence([row], [row]); // 0
 * ```
 */
export function meanKlDivergence(full: Float32Array[], griffin: Float32Array[]): number {
  checkRows(full, griffin);
  if (full.length === 0) return 0;
  let total = 0;
  for (let t = 0; t < full.length; t++) {
    const p = full[t], q = griffin[t];
    let kl = 0;
    for (let v = 0; v < p.length; v++) {
      const pv = Math.exp(p[v]);
      if (pv > 0) kl += pv * (p[v] - q[v]);
    }
    total += Math.max(0, kl); // rounding can leave a tiny negative
  }
  return total / full.length;
}

/**
 * Fraction of positions where both distributions have the same arg-max (first index on ties).
 * 1 for identical rows.
 *
 * @example
 * ```ts
 * import { top1Agreement } from "./agreement.ts";
 * top1Agreement([Float32Array.from([0, -1])], [Float32Array.from([-1, 0])]); // 0
 * ```
 */
export function top1Agreement(full: Float32Array[], griffin: Float32Array[]): number {
  checkRows(full, griffin);
  if (full.length === 0) return 1;
  let same = 0;
  for (let t = 0; t < full.length; t++) if (rowArgmax(full[t]) === rowArgmax(griffin[t])) same++;
  return same / full.length;
}

function rowArgmax(row: Float32Array): number {
  let best = 0;
  for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
  return best;
}

function checkRows(a: Float32Array[], b: Float32Array[]): void {
  if (a.length !== b.length) {
    throw new Error(`Agreement needs as many rows from each model (${a.length} vs ${b.length}).`);
  }
  for (let t = 0; t < a.length; t++) {
    if (a[t].length !== b[t].length) {
      throw new Error(`Row ${t} has ${a[t].length} vs ${b[t].length} vocabulary entries.`);
    }
  }
}
