/**
 * Number formats of the report: significant digits for metrics and timings, B/M/K for
 * parameter counts, ± for standard errors.
 *
 * @module
 */

/**
 * A number with `digits` significant digits (fixed notation for ordinary magnitudes), or `–`.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./format.ts";
 * console.assert(formatNumber(0.123456) === "0.1235");
 * console.assert(formatNumber(null) === "–");
 * ```
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  if (magnitude >= 6 || magnitude < -4) return value.toExponential(digits - 1);
  return value.toFixed(Math.max(0, digits - 1 - magnitude));
}

/** `value ± stderr`, or just the value when the error is not known. */
export function formatMetric(value: number, stderr: number): string {
  return stderr > 0 ? `${formatNumber(value)} ± ${formatNumber(stderr, 2)}` : formatNumber(value);
}

/** A parameter count as `13.0B`, `260K`. */
export function formatCount(count: number | undefined): string {
  if (count === undefined) return "unknown";
  for (const [unit, size] of [["B", 1e9], ["M", 1e6], ["K", 1e3]] as const) {
    if (count >= size) return `${(count / size).toFixed(count >= 10 * size ? 0 : 1)}${unit}`;
  }
  return String(count);
}

/** A signed percentage: `+1.2%`, `−3.4%`. */
export function formatChange(fraction: number): string {
  if (!Number.isFinite(fraction)) return "–";
  const text = `${Math.abs(fraction * 100).toFixed(1)}%`;
  return fraction < 0 ? `−${text}` : `+${text}`;
}
