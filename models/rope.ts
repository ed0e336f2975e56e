/**
 * RoPE settings of a config.json in either form: the Hub's `rope_theta` + `rope_scaling`, or
 * transformers 5's `rope_parameters` (which holds `rope_theta` too).
 *
 * @module
 */
import { z } from "zod";
import type { Llama3RopeScaling } from "../ffi/config.ts";
import { fieldError, positiveInt } from "./config_fields.ts";

/** `rope_scaling` / `rope_parameters` as read (unknown keys dropped). */
export const ropeParametersSchema = z.object({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  rope_theta: z.number().positive().optional(),
  factor: z.number().positive().optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  original_max_position_embeddings: positiveInt.optional(),
  partial_rotary_factor: z.number().optional(),
});
type RopeParameters = z.infer<typeof ropeParametersSchema>;

/** RoPE types this engine runs. */
export const SUPPORTED_ROPE_TYPES = ["default", "llama3"] as const;

/** The RoPE base and scaling of a model. */
export interface Rope {
  /** The base (`rope_theta`). */
  theta: number;
  /** Llama 3.1's scaling, when `rope_type` is llama3. */
  scaling?: Llama3RopeScaling;
}

/**
 * Reads the RoPE settings; an unsupported type or a partial rotary factor is an error.
 *
 * @example
 * ```ts
 * import { ropeOf } from "./rope.ts";
 * const rope = ropeOf({ rope_theta: 500000, rope_scaling: {
 *   rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4,
 *   original_max_position_embeddings: 8192 } }, 131072, "config.json");
 * console.assert(rope.theta === 500000 && rope.scaling?.factor === 8);
 * ```
 */
export function ropeOf(
  fields: {
    rope_theta?: number;
    rope_scaling?: RopeParameters | null;
    rope_parameters?: RopeParameters | null;
    partial_rotary_factor?: number;
  },
  maxPositions: number,
  file: string,
): Rope {
  const field = fields.rope_parameters ? "rope_parameters" : "rope_scaling";
  const p: RopeParameters = fields.rope_parameters ?? fields.rope_scaling ?? {};
  const theta = p.rope_theta ?? fields.rope_theta ?? 10000;
  const partial = p.partial_rotary_factor ?? fields.partial_rotary_factor ?? 1;
  if (partial !== 1) {
    throw fieldError(file, "partial_rotary_factor", `${partial} is not supported (only 1)`);
  }
  const type = p.rope_type ?? p.type ?? "default";
  if (type === "default") return { theta };
  if (type !== "llama3") {
    throw fieldError(
      file,
      `${field}.rope_type`,
      `"${type}" is not supported; supported: ${SUPPORTED_ROPE_TYPES.join(", ")}`,
    );
  }
  const { factor, low_freq_factor: low, high_freq_factor: high } = p;
  if (factor === undefined || low === undefined || high === undefined || !(high > low)) {
    throw fieldError(
      file,
      field,
      "llama3 RoPE scaling needs factor, low_freq_factor and high_freq_factor " +
        "(high_freq_factor > low_freq_factor)",
    );
  }
  return {
    theta,
    scaling: {
      factor,
      lowFreqFactor: low,
      highFreqFactor: high,
      originalMaxPositions: p.original_max_position_embeddings ?? maxPositions,
    },
  };
}
