/**
 * A {@link RunComparison} as a plain-text table (aligned columns) or Markdown: per job the
 * metrics of runs A and B, their wall times (loading excluded) and A/B, each run's engine and
 * harness milliseconds and the harness share of the wall time; a total row; then the largest
 * log-likelihood difference between the runs (where their records keep them), each near tie and
 * each problem, or a line saying that every job's metrics are equal.
 *
 * @module
 */
import type { JobTimes, MetricPair, RunComparison, RunTotals } from "./run_comparison.ts";

/** The columns of both tables. */
export const COLUMNS = [
  "job",
  "metrics A",
  "metrics B",
  "wall A ms",
  "wall B ms",
  "A/B",
  "engine A ms",
  "harness A ms",
  "harness A share",
  "engine B ms",
  "harness B ms",
  "harness B share",
];

const ms = (value: number | undefined) => value === undefined ? "–" : value.toFixed(0);
const share = (part: number | undefined, whole: number) =>
  part === undefined || whole <= 0 ? "–" : `${(100 * part / whole).toFixed(1)}%`;
const ratio = (a: number, b: number) => b > 0 ? `${(a / b).toFixed(2)}×` : "–";

function split(t: JobTimes | RunTotals): string[] {
  return [ms(t.engineMs), ms(t.harnessMs), share(t.harnessMs, t.wallMs)];
}

/** The table's cells: a row per job, then the total row. */
export function comparisonCells(c: RunComparison): string[][] {
  const metrics = (side: "a" | "b") => (m: MetricPair) =>
    `${m.name}=${m[side] === undefined ? "missing" : Number(m[side]!.toPrecision(6))}`;
  const rows = c.jobs.map((j) => [
    j.label,
    j.metrics.map(metrics("a")).join(" "),
    j.metrics.map(metrics("b")).join(" "),
    ms(j.a.wallMs),
    ms(j.b.wallMs),
    ratio(j.a.wallMs, j.b.wallMs),
    ...split(j.a),
    ...split(j.b),
  ]);
  const total = [
    `total (${c.jobs.length} jobs, loading excluded)`,
    "",
    "",
    ms(c.a.wallMs),
    ms(c.b.wallMs),
    ratio(c.a.wallMs, c.b.wallMs),
    ...split(c.a),
    ...split(c.b),
  ];
  return [...rows, total];
}

function closing(c: RunComparison): string[] {
  const load = `loading, workers and models (not in the wall times): A ${ms(c.a.loadMs)} ms, B ${
    ms(c.b.loadMs)
  } ms`;
  const drifts = c.jobs.flatMap((j) => j.drift ? [j.drift] : []);
  const drift = drifts.length === 0 ? [] : [
    `log-likelihoods of ${drifts.reduce((s, d) => s + d.requests, 0)} requests in both runs: ` +
    `the largest difference ${Math.max(...drifts.map((d) => d.largest)).toExponential(2)}`,
  ];
  const near = c.nearTies.map((p) => `NEAR-TIE ${p}`);
  if (c.problems.length > 0) {
    return [
      load,
      ...drift,
      ...near,
      ...c.problems.map((p) => `MISMATCH ${p}`),
    ];
  }
  if (near.length === 0) {
    return [
      load,
      ...drift,
      `metrics equal in all ${c.jobs.length} jobs, per sample too (relative 1e-9)`,
    ];
  }
  return [
    load,
    ...drift,
    `metrics equal in ${c.jobs.length - near.length} of ${c.jobs.length} jobs; the others ` +
    `differ only in near ties (log-likelihoods within ${c.tolerance})`,
    ...near,
  ];
}

/**
 * The comparison as text: a heading naming the runs, aligned columns, the closing lines.
 *
 * @example
 * ```ts
 * import { comparisonText } from "./comparison_tables.ts";
 * const empty = {
 *   jobs: [], problems: [], nearTies: [], tolerance: 0,
 *   a: { wallMs: 0, loadMs: 0 }, b: { wallMs: 0, loadMs: 0 },
 * };
 * console.assert(comparisonText(empty, "one", "batched").startsWith("A: one\nB: batched"));
 * ```
 */
export function comparisonText(c: RunComparison, a: string, b: string): string {
  const table = [COLUMNS, ...comparisonCells(c)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((cell, i) => i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ")
      .trimEnd();
  return [
    `A: ${a}`,
    `B: ${b}`,
    "",
    line(COLUMNS),
    ...table.slice(1).map(line),
    "",
    ...closing(c),
  ].join("\n");
}

/**
 * The comparison as Markdown: a heading, a table and the closing lines.
 *
 * @example
 * ```ts
 * import { comparisonMarkdown } from "./comparison_tables.ts";
 * const empty = {
 *   jobs: [], problems: [], nearTies: [], tolerance: 0,
 *   a: { wallMs: 0, loadMs: 0 }, b: { wallMs: 0, loadMs: 0 },
 * };
 * console.assert(comparisonMarkdown(empty, "one", "batched").includes("| job | metrics A |"));
 * ```
 */
export function comparisonMarkdown(c: RunComparison, a: string, b: string): string {
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    "# Run comparison",
    "",
    `- A: \`${a}\``,
    `- B: \`${b}\``,
    "",
    row(COLUMNS),
    row(COLUMNS.map(() => "---")),
    ...comparisonCells(c).map(row),
    "",
    ...closing(c).map((text) => `${text}  `),
    "",
  ].join("\n");
}
