/**
 * The task registry: names, descriptions and `runTask`, the one entry point the harness calls.
 *
 * @module
 */

import type { GriffinOptions, LanguageModel, Mode } from "../engine/types.ts";
import { TASKS } from "./catalog.ts";
import { resolveDataPath } from "./data_path.ts";
import { unknownNameMessage } from "./did_you_mean.ts";
import { aggregateMetric } from "./metrics/registry.ts";
import { checkTaskOptions } from "./options.ts";
import { type RunContext, TimingTotals } from "./run_context.ts";
import type { TaskDefinition } from "./task_definition.ts";
import type { MetricValue, SampleRecord, TaskOptions, TaskResult } from "./types.ts";

function findTask(name: string): TaskDefinition {
  const task = TASKS.find((t) => t.name === name);
  if (!task) throw new Error(unknownNameMessage("task", name, taskNames()));
  return task;
}

/**
 * Names of all tasks.
 *
 * @example
 * ```ts
 * import { taskNames } from "./registry.ts";
 * taskNames().includes("xsum"); // true
 * ```
 */
export function taskNames(): string[] {
  return TASKS.map((t) => t.name);
}

/**
 * What a task is: name, version, modes (the first is the usual one), default data file and
 * metrics.
 *
 * @example
 * ```ts
 * import { describeTask } from "./registry.ts";
 * describeTask("boolq").modes; // ["class", "gen"]
 * ```
 */
export function describeTask(
  name: string,
): { name: string; version: string; modes: Mode[]; defaultPath?: string; metrics: string[] } {
  const t = findTask(name);
  return {
    name: t.name,
    version: t.version,
    modes: [...t.modes],
    defaultPath: t.defaultPath,
    metrics: [...t.metrics],
  };
}

/**
 * Runs one task on a model with GRIFFIN settings and a mode, calling `onSample` for every
 * scored sample, and returns its metrics with bootstrap standard errors.
 *
 * @example
 * ```ts
 * import { runTask } from "./registry.ts";
 * import { fakeModel } from "./testing/fake_model.ts";
 * // const r = await runTask(fakeModel(), "copa", { limit: 4 }, { density: 0.5, method: "topk", seed: 0 }, "class");
 * ```
 */
export async function runTask(
  model: LanguageModel,
  name: string,
  options: TaskOptions,
  griffin: GriffinOptions,
  mode: Mode,
  onSample?: (s: SampleRecord) => void | Promise<void>,
): Promise<TaskResult> {
  const task = findTask(name);
  checkTaskOptions(name, options, task.accepts);
  if (!task.modes.includes(mode)) {
    throw new Error(`Task "${name}" runs in ${task.modes.join(" or ")} mode, not "${mode}".`);
  }
  const path = await resolveDataPath(name, options.path, task.defaultPath);
  const samples: Record<string, number>[] = [];
  let skipped = 0;
  const timings = new TimingTotals();
  const ctx: RunContext = {
    model,
    options,
    griffin,
    fullModel: { ...griffin, density: 1 },
    mode,
    timings,
    async emit(sample) {
      samples.push(sample.metrics);
      await onSample?.(sample);
    },
    skip() {
      skipped++;
    },
  };
  await task.run(ctx, path);
  const metrics: Record<string, MetricValue> = {};
  for (const metric of [...task.metrics, ...(options.agreement ? task.agreementMetrics : [])]) {
    const a = aggregateMetric(metric, samples, { seed: options.seed ?? 1234 });
    if (a) metrics[metric] = { value: a.value, stderr: a.stderr, higherIsBetter: a.higherIsBetter };
  }
  return {
    task: name,
    version: task.version,
    mode,
    metrics,
    samples: samples.length,
    skipped,
    timings: timings.summary(),
  };
}
