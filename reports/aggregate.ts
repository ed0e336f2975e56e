/**
 * The aggregated table: one row per model × task × mode × method × density × device, repeats
 * pooled, with speed-ups over the full model and the memory roofline where it is known. Charts,
 * the CSV and the JSON are all made from these rows.
 *
 * @module
 */
import type { JobRecord, MetricValue } from "../bench/records.ts";
import type { ModelFacts } from "./model_facts.ts";
import { rooflinePercent, rooflineSpeedup } from "./roofline.ts";

/** `full` for density 1 (the method does not matter there), else the selection method. */
export type MethodLabel = JobRecord["method"] | "full";

/** One setting's results, repeats pooled. */
export interface AggregateRow {
  /** Model label. */
  model: string;
  /** Task name. */
  task: string;
  /** Task version. */
  taskVersion: string;
  /** `gen` or `class`. */
  mode: JobRecord["mode"];
  /** Selection method, `full` at density 1. */
  method: MethodLabel;
  /** Fraction of FF neurons kept. */
  density: number;
  /** The device's name. */
  device: string;
  /** Jobs of this setting (repeats), ok ones and failed ones. */
  jobs: number;
  /** Jobs that finished. */
  ok: number;
  /** Jobs that failed. */
  failed: number;
  /** Metrics, mean over ok repeats, in the task's order. */
  metrics: Record<string, MetricValue>;
  /** Mean prompt phase in ms (selection included); null without timings. */
  promptMs: number | null;
  /** Mean expert selection in ms; null without timings. */
  selectionMs: number | null;
  /** Mean decode ms per token; null when nothing was decoded. */
  decodeMsPerToken: number | null;
  /** Decode tokens per second; null when nothing was decoded. */
  tokensPerSecond: number | null;
  /** tokens/s over the full model's on the same model, task and device. */
  decodeSpeedup: number | null;
  /** Full model's prompt ms over this setting's (above 1: faster prompt phase). */
  promptSpeedup: number | null;
  /** The bandwidth bound on decodeSpeedup: full bytes / bytes at this density. */
  rooflineSpeedup: number | null;
  /** tokens/s as a percentage of the device's memory roofline, where known. */
  rooflinePercent: number | null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Pools a metric over repeats: the mean, and the standard error of that mean. */
export function poolMetric(values: readonly MetricValue[]): MetricValue {
  const n = values.length;
  const value = mean(values.map((v) => v.value));
  let stderr = Math.sqrt(values.reduce((s, v) => s + v.stderr ** 2, 0)) / n;
  if (n > 1 && stderr === 0) {
    const variance = values.reduce((s, v) => s + (v.value - value) ** 2, 0) / (n - 1);
    stderr = Math.sqrt(variance / n);
  }
  return { value, stderr, higherIsBetter: values[0].higherIsBetter };
}

/** The key of a job's setting. */
export function settingKey(job: JobRecord): string {
  const method = job.density === 1 ? "full" : job.method;
  return [job.model.label, job.task.name, job.mode, method, job.density, job.environment.deviceName]
    .join("\u0000");
}

/**
 * Aggregates job records into rows, in the order their settings first appear.
 *
 * @example
 * ```ts ignore
 * import { aggregateRows } from "./aggregate.ts";
 * const rows = aggregateRows(store.jobs, facts);
 * ```
 */
export function aggregateRows(
  jobs: readonly JobRecord[],
  facts: ReadonlyMap<string, ModelFacts>,
): AggregateRow[] {
  const groups = new Map<string, JobRecord[]>();
  for (const job of jobs) {
    const key = settingKey(job);
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const rows = [...groups.values()].map((group) => baseRow(group));
  const fullOf = (row: AggregateRow) =>
    rows.find((r) =>
      r.density === 1 && r.model === row.model && r.task === row.task && r.mode === row.mode &&
      r.device === row.device
    );
  for (const row of rows) {
    const full = fullOf(row);
    if (full?.tokensPerSecond && row.tokensPerSecond) {
      row.decodeSpeedup = row.tokensPerSecond / full.tokensPerSecond;
    }
    if (full?.promptMs && row.promptMs) row.promptSpeedup = full.promptMs / row.promptMs;
    const model = facts.get(row.model);
    if (model?.shape) {
      row.rooflineSpeedup = rooflineSpeedup(model.shape, row.density);
      if (row.tokensPerSecond) {
        row.rooflinePercent = rooflinePercent(
          row.tokensPerSecond,
          model.shape,
          model.dtype,
          row.density,
          row.device,
        ) ?? null;
      }
    }
  }
  return rows;
}

/** A decoding speed of the job, or NaN (left out) where its samples were decoded together. */
function batch1(job: JobRecord, value: number): number {
  return job.timings.batchedGeneration ? NaN : value;
}

function baseRow(group: JobRecord[]): AggregateRow {
  const first = group[0];
  const ok = group.filter((job) => job.status === "ok");
  const metrics: Record<string, MetricValue> = {};
  for (const name of new Set(ok.flatMap((job) => Object.keys(job.metrics)))) {
    const values = ok.map((job) => job.metrics[name]).filter((v) => v !== undefined);
    metrics[name] = poolMetric(values);
  }
  const timing = (pick: (job: JobRecord) => number, positive = false) => {
    const values = ok.map(pick).filter((v) => Number.isFinite(v) && (!positive || v > 0));
    return values.length === 0 ? null : mean(values);
  };
  return {
    model: first.model.label,
    task: first.task.name,
    taskVersion: first.task.version,
    mode: first.mode,
    method: first.density === 1 ? "full" : first.method,
    density: first.density,
    device: first.environment.deviceName,
    jobs: group.length,
    ok: ok.length,
    failed: group.length - ok.length,
    metrics,
    promptMs: timing((job) => job.timings.promptMs, true),
    selectionMs: timing((job) => job.timings.selectionMs),
    // batched generation's per-sequence figures are not batch-1 speeds: left out
    decodeMsPerToken: timing((job) => batch1(job, job.timings.decodeMsPerToken), true),
    tokensPerSecond: timing((job) => batch1(job, job.timings.tokensPerSecond), true),
    decodeSpeedup: null,
    promptSpeedup: null,
    rooflineSpeedup: null,
    rooflinePercent: null,
  };
}

/** Metric names of a task across rows, in first-seen order; the first is the task's headline. */
export function taskMetricNames(rows: readonly AggregateRow[], task: string): string[] {
  return [...new Set(rows.filter((r) => r.task === task).flatMap((r) => Object.keys(r.metrics)))];
}
