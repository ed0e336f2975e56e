/**
 * Device names: `cpu`, `cuda:N`, or `auto` (cuda:0 when the build and machine have a CUDA
 * device, else the CPU).
 *
 * @module
 */
import { cudaDeviceCount } from "../ffi/library.ts";

/**
 * The engine's device number (-1 for the CPU) of a device name; throws on a bad name.
 *
 * @example
 * ```ts
 * import { parseDevice } from "./device.ts";
 * console.assert(parseDevice("cuda:1") === 1 && parseDevice("cpu") === -1);
 * console.assert(parseDevice("auto") >= -1);
 * ```
 */
export function parseDevice(name: string): number {
  if (name === "cpu") return -1;
  if (name === "auto") return cudaDeviceCount() > 0 ? 0 : -1;
  const match = /^cuda:(\d+)$/.exec(name);
  if (!match) throw new RangeError(`device "${name}" is not cpu, auto or cuda:N`);
  return Number(match[1]);
}

/** The name of a device number. */
export function deviceName(device: number): string {
  return device < 0 ? "cpu" : `cuda:${device}`;
}
