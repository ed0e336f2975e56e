/**
 * The Flocking section's data, from a store's records and its experts side files: the energy
 * the experts keep per layer, expert-set overlaps, and one prompt's activations per model.
 *
 * @module
 */
import type { ActivationsEntry, ExpertsEntry } from "../bench/experts_file.ts";
import { readSideEntries } from "../bench/experts_store.ts";
import type { JobRecord } from "../bench/records.ts";
import { toBase64 } from "../bench/sample_experts.ts";
import { type LayerOverlap, layerOverlap, type SampleSets } from "./flocking_overlap.ts";
import type { ReportInput } from "./load.ts";

/** Mean energy kept by one setting's samples (repeats pooled). */
export interface EnergyRow {
  /** Model label. */
  model: string;
  /** Task name. */
  task: string;
  /** Mode. */
  mode: JobRecord["mode"];
  /** Selection method. */
  method: JobRecord["method"];
  /** Density. */
  density: number;
  /** Mean over samples, per layer (null: the layer kept every neuron). */
  layers: (number | null)[];
  /** Mean over samples and layers. */
  mean: number;
  /** Samples measured. */
  samples: number;
}

/** Overlaps of one model's expert sets at one density (score-based method). */
export interface OverlapRow extends LayerOverlap {
  /** Model label. */
  model: string;
  /** Selection method. */
  method: JobRecord["method"];
  /** Density. */
  density: number;
}

/** One prompt's activations on a layer's most active neurons, |Ẑ| quantised to a byte. */
export interface HeatmapLayer {
  /** Layer index. */
  layer: number;
  /** Neurons (columns), most active first. */
  neurons: number[];
  /** Tokens (rows). */
  rows: number;
  /** |Ẑ| shown as byte 255 (the 99th percentile; larger values are clipped to it). */
  scale: number;
  /** rows × neurons bytes, base64. */
  data: string;
}

/** The heatmap of one model. */
export interface Heatmap {
  /** Model label. */
  model: string;
  /** Task and sample it came from. */
  task: string;
  /** The sample's id. */
  sampleId: string;
  /** Tokens as text (rows). */
  tokens: string[];
  /** First, middle and last layer. */
  layers: HeatmapLayer[];
}

/** Everything the Flocking section shows. */
export interface FlockingData {
  /** Energy kept per setting. */
  energy: EnergyRow[];
  /** Overlaps per model and density. */
  overlap: OverlapRow[];
  /** A heatmap per model. */
  heatmaps: Heatmap[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The first, middle and last of a list. */
function spread<T>(xs: T[]): T[] {
  return [...new Set([xs[0], xs[Math.floor((xs.length - 1) / 2)], xs[xs.length - 1]])];
}

function heatmapOf(job: JobRecord, id: string, entry: ActivationsEntry): Heatmap {
  const layers = spread(entry.layers).map((l) => {
    const cols = l.neurons.length;
    const sorted = Array.from(l.values, Math.abs).sort((a, b) => a - b);
    const scale = Math.max(1e-12, sorted[Math.floor(0.99 * (sorted.length - 1))]);
    const bytes = Uint8Array.from(
      l.values,
      (v) => Math.round(Math.min(1, Math.abs(v) / scale) * 255),
    );
    return {
      layer: l.layer,
      neurons: l.neurons,
      rows: l.rows,
      scale,
      data: toBase64(bytes.subarray(0, l.rows * cols)),
    };
  });
  const tokens = entry.tokens.map((t) => (t.length > 14 ? `${t.slice(0, 13)}…` : t));
  return { model: job.model.label, task: job.task.name, sampleId: id, tokens, layers };
}

/**
 * Reads the section's data; empty lists when the sweep recorded no expert facts.
 *
 * @example
 * ```ts ignore
 * import { flockingData } from "./flocking_data.ts";
 * const data = await flockingData(await loadReportInput("results/quickstart"));
 * ```
 */
export async function flockingData(input: ReportInput): Promise<FlockingData> {
  const energy = new Map<string, { row: EnergyRow; values: (number | null)[][] }>();
  const sets = new Map<string, { ffSize: number; samples: SampleSets[]; seen: Set<string> }>();
  const heatmaps: Heatmap[] = [];
  for (const job of input.jobs) {
    const samples = (input.samples.get(job.jobId) ?? []).filter((s) => s.experts);
    if (job.status !== "ok" || samples.length === 0) continue;
    const key = [job.model.label, job.task.name, job.mode, job.method, job.density].join("\u0000");
    const held = energy.get(key) ?? {
      row: {
        model: job.model.label,
        task: job.task.name,
        mode: job.mode,
        method: job.method,
        density: job.density,
        layers: [],
        mean: 0,
        samples: 0,
      },
      values: [],
    };
    energy.set(key, held);
    const entries = await readSideEntries(input.storeDir, job.jobId);
    const setKey = [job.model.label, job.method, job.density].join("\u0000");
    for (const sample of samples) {
      held.values.push(sample.experts!.energy);
      const found = entries.get(`${sample.attempt}/experts/${sample.id}`)?.entry as
        | ExpertsEntry
        | undefined;
      const task = `${job.task.name} (${job.mode})`;
      const seen = `${task}\u0000${sample.id}`;
      const group = sets.get(setKey) ?? { ffSize: 0, samples: [], seen: new Set<string>() };
      // a repeat's copy of a prompt is not a second prompt: each (task, sample) enters once
      if (found && job.method !== "magnitude" && !group.seen.has(seen)) {
        group.seen.add(seen);
        group.ffSize = found.ffSize;
        group.samples.push({
          task,
          sets: found.sets,
          magnitudeOverlap: sample.experts!.magnitudeOverlap,
        });
        sets.set(setKey, group);
      }
      const heat = entries.get(`${sample.attempt}/activations/${sample.id}`)?.entry;
      if (heat?.kind === "activations" && !heatmaps.some((h) => h.model === job.model.label)) {
        heatmaps.push(heatmapOf(job, sample.id, heat));
      }
    }
  }
  const rows = [...energy.values()].map(({ row, values }) => {
    const layers = Math.max(...values.map((v) => v.length));
    row.layers = Array.from({ length: layers }, (_, l) => {
      const xs = values.map((v) => v[l]).filter((x): x is number => typeof x === "number");
      return xs.length ? mean(xs) : null;
    });
    const kept = row.layers.filter((x): x is number => x !== null);
    row.mean = kept.length ? mean(kept) : 1;
    row.samples = values.length;
    return row;
  });
  const overlap = [...sets.entries()].map(([key, group]) => {
    const [model, method, density] = key.split("\u0000");
    return {
      model,
      method: method as JobRecord["method"],
      density: Number(density),
      ...layerOverlap(group.samples, group.ffSize),
    };
  });
  return { energy: rows, overlap, heatmaps };
}
