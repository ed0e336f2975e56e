/**
 * The memory roofline of batch-1 decoding (GRIFFIN.md, "Why it is faster"): each generated token
 * reads every weight it uses once, so time ≥ bytes read / memory bandwidth. KV-cache reads are
 * left out, so the roofline here is an upper bound on tokens/s and percentages are generous.
 *
 * @module
 */
import type { ModelShape } from "./model_facts.ts";

/** Bytes per weight of the dtypes the engine runs. */
export const DTYPE_BYTES: Record<string, number> = { f32: 4, f16: 2, bf16: 2 };

/** A device's peak memory bandwidth, as its maker states it. */
export interface DeviceBandwidth {
  /** Name pattern matched against the device's name. */
  pattern: RegExp;
  /** Peak bandwidth in bytes per second. */
  bytesPerSecond: number;
}

/** Data-sheet bandwidths; more specific names first. */
export const DEVICE_BANDWIDTHS: readonly DeviceBandwidth[] = [
  { pattern: /H200/i, bytesPerSecond: 4.8e12 },
  { pattern: /H100.*PCIe/i, bytesPerSecond: 2.0e12 },
  { pattern: /H100/i, bytesPerSecond: 3.35e12 },
  { pattern: /A100.*40\s?GB/i, bytesPerSecond: 1.555e12 },
  { pattern: /A100/i, bytesPerSecond: 2.039e12 },
  { pattern: /L40/i, bytesPerSecond: 0.864e12 },
  { pattern: /RTX 4090/i, bytesPerSecond: 1.008e12 },
];

/**
 * Peak bandwidth of a device by name, or undefined (CPUs and unlisted GPUs).
 *
 * @example
 * ```ts
 * import { deviceBandwidth } from "./roofline.ts";
 * console.assert(deviceBandwidth("NVIDIA H200") === 4.8e12);
 * console.assert(deviceBandwidth("AMD EPYC") === undefined);
 * ```
 */
export function deviceBandwidth(deviceName: string): number | undefined {
  return DEVICE_BANDWIDTHS.find((d) => d.pattern.test(deviceName))?.bytesPerSecond;
}

/**
 * Weight bytes one decode step reads at a density: attention, LM head, and the kept FF neurons
 * (`floor(d_ff × density)` per layer, as GRIFFIN keeps them).
 *
 * @example
 * ```ts
 * import { decodeBytesPerToken } from "./roofline.ts";
 * import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
 * const gb = decodeBytesPerToken(SYNTHETIC_SHAPES["llama2-7b"], 2, 1) / 1e9;
 * console.assert(gb > 13 && gb < 13.6); // GRIFFIN.md: about 13.2 GB
 * ```
 */
export function decodeBytesPerToken(
  shape: ModelShape,
  bytesPerWeight: number,
  density: number,
): number {
  const h = shape.hiddenSize;
  const attention = h * shape.heads * shape.headDim * 2 + h * shape.kvHeads * shape.headDim * 2;
  const kept = Math.floor(shape.ffSize * density);
  const ff = (shape.gated ? 3 : 2) * h * kept;
  return bytesPerWeight * (shape.layers * (attention + ff) + shape.vocabSize * h);
}

/** The most decoding at `density` can gain over the full model on any device: bytes(1)/bytes(d). */
export function rooflineSpeedup(shape: ModelShape, density: number): number {
  return decodeBytesPerToken(shape, 1, 1) / decodeBytesPerToken(shape, 1, density);
}

/**
 * Measured tokens/s as a percentage of what the device's bandwidth allows, or undefined when the
 * device's bandwidth or the model's dtype is not known.
 */
export function rooflinePercent(
  tokensPerSecond: number,
  shape: ModelShape,
  dtype: string | undefined,
  density: number,
  deviceName: string,
): number | undefined {
  const bandwidth = deviceBandwidth(deviceName);
  const bytes = dtype === undefined ? undefined : DTYPE_BYTES[dtype];
  if (!bandwidth || !bytes || !(tokensPerSecond > 0)) return undefined;
  return (100 * tokensPerSecond * decodeBytesPerToken(shape, bytes, density)) / bandwidth;
}
