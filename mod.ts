/**
 * griffin-bench: GRIFFIN (prompt-prompted mixtures of experts) measured across models,
 * densities and modes.
 *
 * @example
 * ```ts ignore
 * import { openModel } from "./mod.ts";
 * const model = await openModel("models/griffin-mini-llama");
 * const result = model.generate({
 *   promptIds: model.encode("The State of the Union is"),
 *   maxNewTokens: 32,
 *   sampling: { greedy: true, temperature: 1, topK: 0, topP: 1, seed: 0 },
 *   griffin: { density: 0.5, method: "topk", seed: 0 },
 * });
 * console.log(result.text, result.experts?.[0]?.length);
 * model.close();
 * ```
 *
 * @module
 */
export * from "./engine/types.ts";
export { EngineModel, openModel, type OpenOptions } from "./engine/open.ts";
export { GREEDY } from "./engine/sampler.ts";
export { ClosedError, EngineError } from "./ffi/errors.ts";
export { ModelFileError } from "./models/config.ts";
export { describeTask, runTask, taskNames } from "./tasks/mod.ts";
export { readStore } from "./bench/records.ts";
export { writeIndex, writeReport } from "./reports/mod.ts";
