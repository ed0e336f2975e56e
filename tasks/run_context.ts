/**
 * What a task runner works with: the model, the checked options, GRIFFIN settings and mode,
 * and where samples, skips and timings go.
 *
 * @module
 */

import type { GriffinOptions, LanguageModel, Mode, Timings } from "../engine/types.ts";
import type { SampleRecord, TaskOptions, TaskResult } from "./types.ts";

/** Sums the timings of the GRIFFIN run's engine calls (not the agreement runs). */
export class TimingTotals {
  #requests = 0;
  #promptMs = 0;
  #selectionMs = 0;
  #decodeMs = 0;
  #tokens = 0;
  #together = false;

  /** Adds one engine call's timings. */
  add(t: Timings): void {
    this.#requests++;
    this.#promptMs += t.promptMs;
    this.#selectionMs += t.selectionMs;
    for (const ms of t.tokenMs) this.#decodeMs += ms;
    this.#tokens += t.tokenMs.length;
    if (t.decodedTogether) this.#together = true;
  }

  /** Means per request and per decoded token. */
  summary(): TaskResult["timings"] {
    const r = Math.max(1, this.#requests);
    return {
      promptMs: this.#promptMs / r,
      selectionMs: this.#selectionMs / r,
      decodeMsPerToken: this.#tokens ? this.#decodeMs / this.#tokens : 0,
      tokensPerSecond: this.#decodeMs > 0 ? this.#tokens / (this.#decodeMs / 1000) : 0,
      generatedTokens: this.#tokens,
      ...(this.#together ? { decodedTogether: true } : {}),
    };
  }
}

/** Everything a runner needs. */
export interface RunContext {
  /** The model under test. */
  model: LanguageModel;
  /** Options as given (checked). */
  options: TaskOptions;
  /** GRIFFIN settings of the run. */
  griffin: GriffinOptions;
  /** The same settings at density 1: the full model, for agreement. */
  fullModel: GriffinOptions;
  /** GRIFFIN mode of the run. */
  mode: Mode;
  /** Timings of the GRIFFIN run. */
  timings: TimingTotals;
  /** Records one scored sample. */
  emit(sample: SampleRecord): Promise<void>;
  /** Counts one skipped sample. */
  skip(id: string, reason: string): void;
}

/**
 * The first `limit` items (all when no limit).
 *
 * @example
 * ```ts
 * import { applyLimit } from "./run_context.ts";
 * applyLimit([1, 2, 3], 2); // [1, 2]
 * ```
 */
export function applyLimit<T>(items: T[], limit: number | undefined): T[] {
  return limit === undefined ? items : items.slice(0, limit);
}
