/**
 * What a task is: data plus a little code. A name and version, the modes it runs in, its
 * default data file, its metrics (names from the metric registry), the options it takes, and
 * how it turns the file into scored samples.
 *
 * @module
 */

import type { Mode } from "../engine/types.ts";
import type { RunContext } from "./run_context.ts";
import type { TaskOptions, TaskRequests } from "./types.ts";

/** One task. */
export interface TaskDefinition {
  /** Unique name. */
  name: string;
  /** Other names that run the same task (earlier names of this project). */
  aliases?: string[];
  /** Changes whenever prompts or scoring change. */
  version: string;
  /** Supported modes; the first is the usual one. */
  modes: Mode[];
  /** Data file relative to the data folder, e.g. `tasks/xsum/xsum_1shot.jsonl`. */
  defaultPath?: string;
  /** Metrics reported. */
  metrics: string[];
  /** Metrics added by `agreement: true`. */
  agreementMetrics: string[];
  /** Options beyond path, limit, seed and agreement. */
  accepts: (keyof TaskOptions)[];
  /** Loads the file at `path` and emits every sample through the context. */
  run(ctx: RunContext, path: string): Promise<void>;
  /** The requests the task makes of the file at `path`, without a model (where it can). */
  requests?(options: TaskOptions, path: string): Promise<TaskRequests>;
}
