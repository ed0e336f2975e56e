/**
 * How much two prompts' expert sets overlap, per layer: the mean Jaccard similarity of two
 * samples' sets within a task, across tasks, and against the static magnitude set, beside the
 * exact mean for two random sets of the same size (bench/random_jaccard.ts).
 *
 * @module
 */
import { bitsetCount, jaccard } from "../bench/expert_bitset.ts";
import { randomJaccard } from "../bench/random_jaccard.ts";

/** Samples per task at most in the pairwise means (the first ones, in file order). */
export const MAX_OVERLAP_SAMPLES = 48;

/** One sample's sets and its recorded overlap with the magnitude set, per layer. */
export interface SampleSets {
  /** Task (and mode) the sample came from: pairs are within or across these. */
  task: string;
  /** Bitsets per layer (null where a layer selected none). */
  sets: (Uint8Array | null)[];
  /** Jaccard with the magnitude set per layer, as recorded. */
  magnitudeOverlap: (number | null)[];
}

/** Mean overlaps per layer (null where nothing could be measured). */
export interface LayerOverlap {
  /** Two samples of the same task. */
  within: (number | null)[];
  /** Two samples of different tasks. */
  across: (number | null)[];
  /** A sample and the magnitude set of the same size. */
  magnitude: (number | null)[];
  /** Two random sets of the same size (exact expectation). */
  random: (number | null)[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * The four overlaps per layer for one model, method and density. Within-task pairs are averaged
 * per task, then over tasks; across-task pairs per pair of tasks, then over those pairs.
 *
 * @example
 * ```ts
 * import { layerOverlap } from "./flocking_overlap.ts";
 * const a = { task: "t", sets: [new Uint8Array([3])], magnitudeOverlap: [0.5] };
 * const o = layerOverlap([a, a], 8);
 * console.assert(o.within[0] === 1 && o.across[0] === null);
 * ```
 */
export function layerOverlap(samples: readonly SampleSets[], ffSize: number): LayerOverlap {
  const byTask = new Map<string, SampleSets[]>();
  for (const s of samples) {
    const list = byTask.get(s.task) ?? [];
    if (list.length < MAX_OVERLAP_SAMPLES) list.push(s);
    byTask.set(s.task, list);
  }
  const tasks = [...byTask.values()];
  const layers = Math.max(0, ...samples.map((s) => s.sets.length));
  const out: LayerOverlap = { within: [], across: [], magnitude: [], random: [] };
  for (let l = 0; l < layers; l++) {
    const sets = (list: SampleSets[]) =>
      list.map((s) => s.sets[l]).filter((x): x is Uint8Array => !!x);
    const within = tasks.map((list) => {
      const xs = sets(list), values: number[] = [];
      for (let i = 0; i < xs.length; i++) {
        for (let j = i + 1; j < xs.length; j++) values.push(jaccard(xs[i], xs[j]));
      }
      return mean(values);
    }).filter((x): x is number => x !== null);
    const across: number[] = [];
    for (let a = 0; a < tasks.length; a++) {
      for (let b = a + 1; b < tasks.length; b++) {
        const values = sets(tasks[a]).flatMap((x) => sets(tasks[b]).map((y) => jaccard(x, y)));
        const m = mean(values);
        if (m !== null) across.push(m);
      }
    }
    const first = samples.find((s) => s.sets[l])?.sets[l];
    out.within.push(mean(within));
    out.across.push(mean(across));
    out.magnitude.push(
      mean(samples.map((s) => s.magnitudeOverlap[l]).filter((x): x is number => x !== null)),
    );
    out.random.push(first ? randomJaccard(ffSize, bitsetCount(first)) : null);
  }
  return out;
}
