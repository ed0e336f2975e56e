/**
 * What each chart shows, as plain data: the page's script turns these into chart.js charts.
 * Quality against density per model and task, speed against density per model, and quality
 * against speed (a Pareto view) per model and task.
 *
 * @module
 */
import { type AggregateRow, type MethodLabel, taskMetricNames } from "./aggregate.ts";
import { paretoFront } from "./pareto.ts";

/** One point; `se` draws an error bar, `label` is written beside the marker. */
export interface ChartPoint {
  /** x value. */
  x: number;
  /** y value. */
  y: number;
  /** Standard error of y. */
  se?: number;
  /** Text beside the marker. */
  label?: string;
}

/** One line or set of markers. */
export interface ChartSeries {
  /** Legend text. */
  label: string;
  /** Marker, colour and dash: an index into the page's style table ({@link STYLE_INDEX}). */
  style: number;
  /** Hollow markers and a dashed line: a second quantity of the same method. */
  secondary?: boolean;
  /** Points, in x order. */
  points: ChartPoint[];
}

/** One chart. */
export interface ChartSpec {
  /** The canvas id. */
  id: string;
  /** Which section it belongs to. */
  section: "quality" | "speed" | "pareto" | "flocking";
  /** Heading above the chart. */
  title: string;
  /** x-axis title. */
  xLabel: string;
  /** y-axis title. */
  yLabel: string;
  /** Log scale on y (for perplexities spanning decades). */
  yLog?: boolean;
  /** Fixed x range. */
  xRange?: [number, number];
  /** Lines and markers. */
  series: ChartSeries[];
  /** A sentence under the chart. */
  note?: string;
}

/** Style indices shared with the page's script (colour, marker shape, dash). */
export const STYLE_INDEX: Record<MethodLabel | "reference" | "ceiling" | "front", number> = {
  full: 0,
  topk: 1,
  sample: 2,
  topk_sample: 3,
  random: 4,
  magnitude: 5,
  reference: 6,
  ceiling: 7,
  front: 8,
};

const METHOD_NAMES: Record<MethodLabel, string> = {
  full: "full model",
  topk: "GRIFFIN top-k",
  sample: "GRIFFIN sampled",
  topk_sample: "GRIFFIN top-k + sampled",
  random: "random experts",
  magnitude: "magnitude (static)",
};

/** A method's name in legends. */
export function methodName(method: MethodLabel): string {
  return METHOD_NAMES[method] ?? method;
}

const unique = <T>(xs: T[]) => [...new Set(xs)];
const slug = (...parts: string[]) =>
  parts.join("-").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

function byMethod(
  rows: AggregateRow[],
  y: (row: AggregateRow) => number | null | undefined,
  se?: (row: AggregateRow) => number | undefined,
): ChartSeries[] {
  const series: ChartSeries[] = [];
  for (const method of unique(rows.map((r) => r.method)).filter((m) => m !== "full")) {
    const points = rows.filter((r) => r.method === method && typeof y(r) === "number")
      .sort((a, b) => a.density - b.density)
      .map((r) => ({ x: r.density, y: y(r) as number, se: se?.(r) }));
    if (points.length > 0) {
      series.push({ label: methodName(method), style: STYLE_INDEX[method], points });
    }
  }
  return series;
}

function reference(label: string, value: number | null | undefined, se?: number): ChartSeries[] {
  if (typeof value !== "number") return [];
  return [
    { label, style: STYLE_INDEX.full, points: [{ x: 1, y: value, se }] },
    {
      label: `${label} (reference line)`,
      style: STYLE_INDEX.reference,
      points: [{ x: 0, y: value }, { x: 1, y: value }],
    },
  ];
}

function spansDecades(values: number[]): boolean {
  const positive = values.filter((v) => v > 0);
  return positive.length === values.length && positive.length > 1 &&
    Math.max(...positive) / Math.min(...positive) > 30;
}

/** Quality against density: one chart per model and task, on the task's headline metric. */
export function qualityCharts(rows: readonly AggregateRow[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const model of unique(rows.map((r) => r.model))) {
    for (const task of unique(rows.filter((r) => r.model === model).map((r) => r.task))) {
      const metric = taskMetricNames(rows, task)[0];
      const mine = rows.filter((r) => r.model === model && r.task === task && r.metrics[metric]);
      if (!metric || mine.length === 0) continue;
      const full = mine.find((r) => r.method === "full")?.metrics[metric];
      const better = mine[0].metrics[metric].higherIsBetter
        ? "higher is better"
        : "lower is better";
      charts.push({
        id: slug("quality", model, task),
        section: "quality",
        title: `${model} · ${task} (${mine[0].mode})`,
        xLabel: "density (fraction of FF neurons kept)",
        yLabel: `${metric} (${better})`,
        yLog: spansDecades(mine.map((r) => r.metrics[metric].value)),
        xRange: [0, 1],
        series: [
          ...reference("full model", full?.value, full?.stderr),
          ...byMethod(mine, (r) => r.metrics[metric].value, (r) => r.metrics[metric].stderr),
        ],
        note: "Error bars: ± one standard error.",
      });
    }
  }
  return charts;
}

/** The task a model's speed charts use: the first with decode timings, else with prompt timings. */
export function speedTask(rows: readonly AggregateRow[], model: string): string | undefined {
  const mine = rows.filter((r) => r.model === model);
  return (mine.find((r) => r.tokensPerSecond !== null) ?? mine.find((r) => r.promptMs !== null))
    ?.task;
}

/** Speed against density per model: decode tokens/s, prompt and selection ms, speed-up, roofline. */
export function speedCharts(rows: readonly AggregateRow[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const model of unique(rows.map((r) => r.model))) {
    const task = speedTask(rows, model);
    if (!task) continue;
    const mine = rows.filter((r) => r.model === model && r.task === task);
    const full = mine.find((r) => r.method === "full");
    const where = `${model} · ${task} on ${mine[0].device}`;
    const base = {
      section: "speed" as const,
      xLabel: "density",
      xRange: [0, 1] as [number, number],
    };
    if (mine.some((r) => r.tokensPerSecond !== null)) {
      charts.push({
        ...base,
        id: slug("speed-tps", model, task),
        title: `Decode tokens/s · ${where}`,
        yLabel: "tokens per second (higher is better)",
        series: [
          ...reference("full model", full?.tokensPerSecond),
          ...byMethod(mine, (r) => r.tokensPerSecond),
        ],
      });
    }
    const selection = byMethod(mine, (r) => r.selectionMs).map((s) => ({
      ...s,
      label: `${s.label}: selection`,
      secondary: true,
    }));
    charts.push({
      ...base,
      id: slug("speed-prompt", model, task),
      title: `Prompt phase and selection · ${where}`,
      yLabel: "ms per prompt (lower is better)",
      series: [
        ...reference("full model", full?.promptMs),
        ...byMethod(mine, (r) => r.promptMs).map((s) => ({
          ...s,
          label: `${s.label}: prompt phase`,
        })),
        ...selection,
      ],
      note: "Solid: the whole prompt phase; dashed, hollow markers: expert selection inside it.",
    });
    if (mine.some((r) => r.decodeSpeedup !== null)) {
      const ceiling = mine.filter((r) => r.rooflineSpeedup !== null && r.method !== "full");
      const densities = unique([1, ...ceiling.map((r) => r.density)]).sort((a, b) => a - b);
      charts.push({
        ...base,
        id: slug("speed-up", model, task),
        title: `Decode speed-up over full · ${where}`,
        yLabel: "× full model's tokens/s",
        series: [
          ...reference("full model (1×)", 1),
          ...byMethod(mine, (r) => r.decodeSpeedup),
          ...(ceiling.length === 0 ? [] : [{
            label: "memory-roofline ceiling (bytes read, full ÷ kept)",
            style: STYLE_INDEX.ceiling,
            points: densities.map((d) => ({
              x: d,
              y: d === 1 ? 1 : ceiling.find((r) => r.density === d)!.rooflineSpeedup!,
            })),
          }]),
        ],
      });
    }
    if (mine.some((r) => r.rooflinePercent !== null)) {
      charts.push({
        ...base,
        id: slug("speed-roofline", model, task),
        title: `Percent of memory roofline · ${where}`,
        yLabel: "% of peak bandwidth (weights only)",
        series: [
          ...reference("full model", full?.rooflinePercent),
          ...byMethod(mine, (r) => r.rooflinePercent),
        ],
        note: "Bytes read per token ÷ time per token ÷ the device's data-sheet bandwidth; " +
          "KV-cache reads are not counted.",
      });
    }
  }
  return charts;
}

/** Quality against decode speed-up per model and task, with the Pareto front. */
export function paretoCharts(rows: readonly AggregateRow[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const model of unique(rows.map((r) => r.model))) {
    const task0 = speedTask(rows, model);
    const speedRows = rows.filter((r) => r.model === model && r.task === task0);
    for (const task of unique(rows.filter((r) => r.model === model).map((r) => r.task))) {
      const metric = taskMetricNames(rows, task)[0];
      const mine = rows.filter((r) => r.model === model && r.task === task && r.metrics[metric]);
      const own = mine.some((r) => r.decodeSpeedup !== null);
      const speed = (r: AggregateRow) =>
        own
          ? r.decodeSpeedup
          : speedRows.find((s) => s.method === r.method && s.density === r.density)
            ?.decodeSpeedup ?? null;
      const points = mine.filter((r) => speed(r) !== null).map((r) => ({
        row: r,
        point: {
          x: speed(r)!,
          y: r.metrics[metric].value,
          se: r.metrics[metric].stderr,
          label: `d=${r.density}`,
        },
      }));
      if (!metric || points.length < 2) continue;
      const higher = mine[0].metrics[metric].higherIsBetter;
      const front = paretoFront(points.map((p) => p.point), higher);
      const series: ChartSeries[] = unique(points.map((p) => p.row.method)).map((method) => ({
        label: methodName(method),
        style: STYLE_INDEX[method],
        points: points.filter((p) => p.row.method === method).map((p) => p.point),
      }));
      series.push({
        label: "Pareto front",
        style: STYLE_INDEX.front,
        points: front.map(({ x, y }) => ({ x, y })),
      });
      charts.push({
        id: slug("pareto", model, task),
        section: "pareto",
        title: `${model} · ${task}: quality against speed`,
        xLabel: "decode speed-up over the full model (×)",
        yLabel: `${metric} (${higher ? "higher" : "lower"} is better)`,
        yLog: spansDecades(points.map((p) => p.point.y)),
        series,
        note: own
          ? undefined
          : `${task} decodes nothing (${mine[0].mode} mode): x is the speed-up ` +
            `measured on ${task0} at the same density and method.`,
      });
    }
  }
  return charts;
}
