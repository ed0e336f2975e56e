/**
 * The Pareto front of quality against speed: the settings no other setting beats on both.
 *
 * @module
 */

/**
 * Points not dominated by any other (x larger is better; y larger is better when
 * `higherIsBetter`), sorted by x.
 *
 * @example
 * ```ts
 * import { paretoFront } from "./pareto.ts";
 * const front = paretoFront([{ x: 1, y: 3 }, { x: 2, y: 2 }, { x: 1.5, y: 1 }], true);
 * console.assert(front.length === 2);
 * ```
 */
export function paretoFront<P extends { x: number; y: number }>(
  points: readonly P[],
  higherIsBetter: boolean,
): P[] {
  const better = (a: number, b: number) => higherIsBetter ? a >= b : a <= b;
  const strictly = (a: number, b: number) => higherIsBetter ? a > b : a < b;
  return points
    .filter((p) =>
      !points.some((q) =>
        q !== p && q.x >= p.x && better(q.y, p.y) && (q.x > p.x || strictly(q.y, p.y))
      )
    )
    .sort((a, b) => a.x - b.x);
}
