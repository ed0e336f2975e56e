/**
 * A sample's expert facts as a worker sends them (JSON: bitsets and floats in base64), and
 * their conversion to side-file entries and back.
 *
 * @module
 */
import type { StoredExperts } from "./records.ts";
import type { ActivationsEntry, ExpertsEntry, SideEntry } from "./experts_file.ts";

/** Expert facts of one sample, on their way from a worker to the store. */
export interface SampleExperts {
  /** Neurons per layer (d_ff). */
  ffSize: number;
  /** Per layer: the share of the score energy the experts keep (null: the layer kept all). */
  energy: (number | null)[];
  /** Per layer: Jaccard similarity with the magnitude set of the same size. */
  magnitudeOverlap: (number | null)[];
  /** Per layer: the experts' bitset in base64 (null: the layer selected none). */
  sets: (string | null)[];
  /** The prompt's activations on the most active neurons (one sample per model). */
  activations?: {
    tokens: string[];
    layers: { layer: number; neurons: number[]; rows: number; values: string }[];
  };
}

/**
 * Bytes as base64.
 *
 * @example
 * ```ts
 * import { toBase64 } from "./sample_experts.ts";
 * console.assert(toBase64(new Uint8Array([1, 2, 3])) === "AQID");
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/**
 * base64 as bytes.
 *
 * @example
 * ```ts
 * import { fromBase64 } from "./sample_experts.ts";
 * console.assert(fromBase64("AQID").join() === "1,2,3");
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function floatsOf(text: string): Float32Array {
  const bytes = fromBase64(text);
  return new Float32Array(bytes.buffer, 0, bytes.length / 4);
}

function floatsText(values: Float32Array): string {
  return toBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/**
 * The side-file entries of a sample's facts: its expert sets, and its activations if any.
 *
 * @example
 * ```ts
 * import { sideEntries } from "./sample_experts.ts";
 * const facts = { ffSize: 8, energy: [0.9], magnitudeOverlap: [0.5], sets: ["BQ=="] };
 * console.assert(sideEntries(facts, { jobId: "j", attempt: 1, id: "0" }).length === 1);
 * ```
 */
export function sideEntries(
  facts: SampleExperts,
  key: { jobId: string; attempt: number; id: string },
): SideEntry[] {
  const experts: ExpertsEntry = {
    kind: "experts",
    ...key,
    ffSize: facts.ffSize,
    sets: facts.sets.map((s) => (s === null ? null : fromBase64(s))),
  };
  if (!facts.activations) return [experts];
  const activations: ActivationsEntry = {
    kind: "activations",
    ...key,
    tokens: facts.activations.tokens,
    layers: facts.activations.layers.map((l) => ({ ...l, values: floatsOf(l.values) })),
  };
  return [experts, activations];
}

/**
 * The facts again from a record and its entries (merging stores copies them this way).
 *
 * @example
 * ```ts ignore
 * const facts = sampleExpertsOf(sample.experts, expertsEntry, activationsEntry);
 * ```
 */
export function sampleExpertsOf(
  stored: StoredExperts,
  experts: ExpertsEntry,
  activations?: ActivationsEntry,
): SampleExperts {
  return {
    ffSize: experts.ffSize,
    energy: stored.energy,
    magnitudeOverlap: stored.magnitudeOverlap,
    sets: experts.sets.map((s) => (s === null ? null : toBase64(s))),
    ...(activations
      ? {
        activations: {
          tokens: activations.tokens,
          layers: activations.layers.map((l) => ({ ...l, values: floatsText(l.values) })),
        },
      }
      : {}),
  };
}
