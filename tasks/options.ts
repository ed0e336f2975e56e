/**
 * Checks task options: every option must apply to the task and have a valid value; errors
 * name the option.
 *
 * @module
 */

import type { TaskOptions } from "./types.ts";

/** Options every task takes. */
export const COMMON_OPTIONS: readonly (keyof TaskOptions)[] = [
  "path",
  "limit",
  "seed",
  "agreement",
];

const ALL_OPTIONS: readonly (keyof TaskOptions)[] = [
  ...COMMON_OPTIONS,
  "shots",
  "maxNewTokens",
  "greedy",
  "temperature",
  "topP",
  "topK",
  "compat",
  "format",
  "windowTokens",
  "promptTokens",
];

function fail(task: string, option: string, what: string): never {
  throw new Error(`Option "${option}" of task "${task}" ${what}.`);
}

function integer(task: string, option: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(task, option, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
}

/**
 * Throws when an option is unknown, does not apply to the task, or has a bad value.
 *
 * @example
 * ```ts
 * import { checkTaskOptions } from "./options.ts";
 * checkTaskOptions("xsum", { limit: 10 }, ["greedy"]); // ok
 * ```
 */
export function checkTaskOptions(
  task: string,
  options: TaskOptions,
  accepted: readonly (keyof TaskOptions)[],
): void {
  const allowed = new Set<string>([...COMMON_OPTIONS, ...accepted]);
  for (const [option, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(ALL_OPTIONS as readonly string[]).includes(option)) {
      fail(task, option, `is not a task option (known: ${ALL_OPTIONS.join(", ")})`);
    }
    if (!allowed.has(option)) {
      fail(task, option, `does not apply; it takes ${[...allowed].join(", ")}`);
    }
    switch (option as keyof TaskOptions) {
      case "path":
        if (typeof value !== "string" || value === "") fail(task, option, "must be a file path");
        break;
      case "limit":
      case "maxNewTokens":
      case "promptTokens":
        integer(task, option, value, 1);
        break;
      case "windowTokens":
        integer(task, option, value, 2);
        break;
      case "shots":
      case "topK":
        integer(task, option, value, 0);
        break;
      case "seed":
        if (!Number.isSafeInteger(value)) fail(task, option, "must be an integer");
        break;
      case "greedy":
      case "agreement":
        if (typeof value !== "boolean") fail(task, option, "must be true or false");
        break;
      case "temperature":
        if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
          fail(task, option, `must be a number > 0, got ${JSON.stringify(value)}`);
        }
        break;
      case "topP":
        if (typeof value !== "number" || !(value > 0 && value <= 1)) {
          fail(task, option, `must be in (0, 1], got ${JSON.stringify(value)}`);
        }
        break;
      case "format":
        if (value !== "dataset" && value !== "llm-foundry") {
          fail(task, option, `must be "dataset" or "llm-foundry", got ${JSON.stringify(value)}`);
        }
        break;
      case "compat":
        if (value !== "intent" && value !== "reference") {
          fail(task, option, `must be "intent" or "reference", got ${JSON.stringify(value)}`);
        }
        break;
    }
  }
  const { windowTokens, promptTokens } = options;
  if (windowTokens !== undefined && promptTokens !== undefined && promptTokens >= windowTokens) {
    fail(task, "promptTokens", `(${promptTokens}) must be below windowTokens (${windowTokens})`);
  }
}
