/**
 * griffin-bench: GRIFFIN (prompt-prompted mixtures of experts) measured across models,
 * densities and modes.
 *
 * @module
 */
export * from "./engine/types.ts";
