/**
 * Where a job's time goes: a model wrapped so that the time spent inside its engine calls
 * (generate, score, scoreMany) adds up, the rest of the job being the harness's (tokenising,
 * metrics, records).
 *
 * @module
 */
import type { LanguageModel } from "../engine/types.ts";

const ENGINE_CALLS = new Set<PropertyKey>(["generate", "generateMany", "score", "scoreMany"]);

/** A model whose engine calls are timed, and the milliseconds they took so far. */
export interface TimedModel {
  /** The model to hand to the task. */
  model: LanguageModel;
  /** Milliseconds spent in engine calls since the wrap. */
  engineMs(): number;
}

/**
 * Wraps a model; every other property is the model's own.
 *
 * @example
 * ```ts ignore
 * const timed = timeEngine(model);
 * await runTask(timed.model, "piqa", {}, griffin, "class");
 * console.log(timed.engineMs());
 * ```
 */
export function timeEngine(model: LanguageModel): TimedModel {
  let total = 0;
  const proxy = new Proxy(model, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!ENGINE_CALLS.has(property)) return value.bind(target);
      return (...args: unknown[]) => {
        const started = performance.now();
        try {
          return value.apply(target, args);
        } finally {
          total += performance.now() - started;
        }
      };
    },
  });
  return { model: proxy, engineMs: () => total };
}
