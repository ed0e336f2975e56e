/**
 * The Flocking section's charts, as chart specs the page's script draws: energy kept per layer
 * at each density, expert-set overlap against density, and quality loss against energy kept.
 *
 * @module
 */
import { type AggregateRow, taskMetricNames } from "./aggregate.ts";
import { type ChartSeries, type ChartSpec, STYLE_INDEX } from "./chart_specs.ts";
import type { EnergyRow, FlockingData } from "./flocking_data.ts";

const unique = <T>(xs: T[]) => [...new Set(xs)];
const slug = (...parts: string[]) =>
  parts.join("-").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
/** Styles for series that are not methods (densities, tasks), in order. */
const CYCLE = [1, 2, 3, 4, 5, 0];

/** Energy rows of a model, method and density pooled over tasks, weighted by samples. */
function pooled(rows: EnergyRow[]): (number | null)[] {
  const layers = Math.max(...rows.map((r) => r.layers.length));
  return Array.from({ length: layers }, (_, l) => {
    const kept = rows.filter((r) => r.layers[l] !== null);
    const n = kept.reduce((a, r) => a + r.samples, 0);
    return n ? kept.reduce((a, r) => a + r.layers[l]! * r.samples, 0) / n : null;
  });
}

function energyChart(model: string, rows: EnergyRow[]): ChartSpec {
  const densities = unique(rows.map((r) => r.density)).sort((a, b) => b - a);
  const series: ChartSeries[] = [];
  for (const method of unique(rows.map((r) => r.method))) {
    densities.forEach((density, i) => {
      const mine = rows.filter((r) => r.method === method && r.density === density);
      if (mine.length === 0) return;
      const points = pooled(mine).flatMap((y, x) => (y === null ? [] : [{ x, y }]));
      const name = method === "topk" ? "GRIFFIN" : method;
      series.push({
        label: `${name} d=${density}`,
        style: CYCLE[i % CYCLE.length],
        secondary: method !== "topk",
        points,
      });
    });
  }
  return {
    id: slug("flocking-energy", model),
    section: "flocking",
    title: `Energy kept per layer · ${model}`,
    xLabel: "layer",
    yLabel: "Σ_{j∈E} s_j² / Σ_j s_j² (share of score energy kept)",
    series,
    note: "Mean over every sample of every task. Solid: GRIFFIN's experts; hollow, dashed: " +
      "the other methods' sets measured against the same prompt scores. A random set keeps " +
      "the density itself on average.",
  };
}

function overlapChart(model: string, data: FlockingData): ChartSpec | undefined {
  const mine = data.overlap.filter((r) => r.model === model);
  if (mine.length === 0) return undefined;
  const method = mine.some((r) => r.method === "topk") ? "topk" : mine[0].method;
  const rows = mine.filter((r) => r.method === method).sort((a, b) => a.density - b.density);
  const avg = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const line = (label: string, style: number, pick: (r: typeof rows[0]) => (number | null)[]) => {
    const points = rows.flatMap((r) => {
      const y = avg(pick(r));
      return y === null ? [] : [{ x: r.density, y }];
    });
    return points.length ? [{ label, style, points }] : [];
  };
  return {
    id: slug("flocking-overlap", model),
    section: "flocking",
    title: `Expert-set overlap · ${model}`,
    xLabel: "density",
    yLabel: "mean Jaccard similarity of two sets (mean over layers)",
    xRange: [0, 1],
    series: [
      ...line("two prompts, same task", STYLE_INDEX.topk, (r) => r.within),
      ...line("two prompts, different tasks", STYLE_INDEX.topk_sample, (r) => r.across),
      ...line("a prompt and the magnitude set", STYLE_INDEX.magnitude, (r) => r.magnitude),
      ...line("two random sets (exact expectation)", STYLE_INDEX.reference, (r) => r.random),
    ],
    note: `GRIFFIN's sets (${method}); at most 48 ` +
      "prompts per task enter the pairwise means.",
  };
}

/** Positive values spanning more than a factor of 30: a log axis. */
function spansDecades(values: number[]): boolean {
  return values.length > 1 && values.every((v) => v > 0) &&
    Math.max(...values) / Math.min(...values) > 30;
}

/** Quality lost against energy kept, one chart per task, one point per method and density. */
function lossCharts(model: string, data: FlockingData, rows: readonly AggregateRow[]) {
  const charts: ChartSpec[] = [];
  const mine = data.energy.filter((e) => e.model === model);
  for (const task of unique(mine.map((e) => e.task))) {
    const metric = taskMetricNames(rows, task)[0];
    const series: ChartSeries[] = [];
    let higher = true;
    for (const method of unique(mine.map((e) => e.method))) {
      const points = mine.filter((e) => e.task === task && e.method === method).flatMap((e) => {
        const same = (r: AggregateRow) => r.model === model && r.task === task && r.mode === e.mode;
        const full = rows.find((r) => same(r) && r.method === "full")?.metrics[metric];
        const row = rows.find((r) => same(r) && r.method === method && r.density === e.density)
          ?.metrics[metric];
        if (!full || !row) return [];
        higher = row.higherIsBetter;
        const lost = higher ? full.value - row.value : row.value - full.value;
        return [{ x: e.mean, y: lost, se: row.stderr, label: `d=${e.density}` }];
      }).sort((a, b) => a.x - b.x);
      if (points.length === 0) continue;
      series.push({
        label: method === "topk" ? "GRIFFIN top-k" : `${method}`,
        style: STYLE_INDEX[method],
        points,
      });
    }
    if (series.length === 0) continue;
    charts.push({
      id: slug("flocking-loss", model, task),
      section: "flocking",
      title: `Quality lost against energy kept · ${model} · ${task}`,
      xLabel: "energy kept (mean over layers and samples)",
      yLabel: `${metric} lost vs the full model (${higher ? "full − setting" : "setting − full"})`,
      yLog: spansDecades(series.flatMap((s) => s.points.map((p) => p.y))),
      series,
      note: "One point per density; above 0, worse than the full model. Error bars: ± one " +
        "standard error of the setting's metric.",
    });
  }
  return charts;
}

/**
 * The section's charts, model by model.
 *
 * @example
 * ```ts
 * import { flockingCharts } from "./flocking_charts.ts";
 * console.assert(flockingCharts({ energy: [], overlap: [], heatmaps: [] }, []).length === 0);
 * ```
 */
export function flockingCharts(data: FlockingData, rows: readonly AggregateRow[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const model of unique(data.energy.map((e) => e.model))) {
    charts.push(energyChart(model, data.energy.filter((e) => e.model === model)));
    const overlap = overlapChart(model, data);
    if (overlap) charts.push(overlap);
    charts.push(...lossCharts(model, data, rows));
  }
  return charts;
}
