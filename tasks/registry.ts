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
import { TaskInputError } from "./task_input_error.ts";
import type { MetricValue, SampleRecord, TaskOptions, TaskRequests, TaskResult } from "./types.ts";

function findTask(name: string): TaskDefinition {
  const task = TASKS.find((t) => t.name === name || t.aliases?.includes(name));
  if (!task) throw new TaskInputError(unknownNameMessage("task", name, taskNames()));
  return task;
}

async function dataPath(name: string, options: TaskOptions, task: TaskDefinition) {
  try {
    return await resolveDataPath(name, options.path, task.defaultPath);
  } catch (error) {
    throw new TaskInputError((error as Error).message, { cause: error });
  }
}

/**
 * Names of all tasks, then their aliases (earlier names that run the same task).
 *
 * @example
 * ```ts
 * import { taskNames } from "./registry.ts";
 * taskNames().includes("xsum"); // true
 * ```
 */
export function taskNames(): string[] {
  return [...TASKS.map((t) => t.name), ...TASKS.flatMap((t) => t.aliases ?? [])];
}

/**
 * What a task is: name (an alias gives the task's own name) and aliases, version, modes (the
 * first is the usual one), default data file and metrics.
 *
 * @example
 * ```ts
 * import { describeTask } from "./registry.ts";
 * describeTask("boolq").modes; // ["class", "gen"]
 * ```
 */
export function describeTask(
  name: string,
): {
  name: string;
  aliases: string[];
  version: string;
  modes: Mode[];
  defaultPath?: string;
  metrics: string[];
} {
  const t = findTask(name);
  return {
    name: t.name,
    aliases: [...t.aliases ?? []],
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
  const path = await dataPath(name, options, task);
  const samples: Record<string, number>[] = [];
  let rendering: string | undefined;
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
      rendering ??= sample.rendering;
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
    ...(rendering === undefined ? {} : { rendering }),
    metrics,
    samples: samples.length,
    skipped,
    timings: timings.summary(),
  };
}

/**
 * The requests a task makes of its data file, without a model (lm-evaluation-harness's
 * `write_out`): one per choice for log-likelihood tasks, one per document for generation.
 * Bad input (unknown task, missing file, a row lacking a field) throws a `TaskInputError`.
 *
 * @example
 * ```ts
 * import { taskRequests } from "./registry.ts";
 * // const { rendering, requests } = await taskRequests("piqa", { path: "piqa.jsonl", limit: 2 });
 * ```
 */
export async function taskRequests(name: string, options: TaskOptions): Promise<TaskRequests> {
  const task = findTask(name);
  if (!task.requests) {
    throw new TaskInputError(
      `Task "${name}" cannot list its requests without a model; tasks that can: ${
        TASKS.filter((t) => t.requests).map((t) => t.name).join(", ")
      }.`,
    );
  }
  try {
    checkTaskOptions(name, options, task.accepts);
  } catch (error) {
    throw new TaskInputError((error as Error).message, { cause: error });
  }
  return await task.requests(options, await dataPath(name, options, task));
}
