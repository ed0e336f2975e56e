/**
 * The devices a sweep can use: GPUs from `nvidia-smi`, or the CPU; and how much GPU memory a
 * model will take, to place workers where their models fit.
 *
 * @module
 */
import { resolve } from "node:path";
import type { SweepModel } from "./sweep_file.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import { parameterCount } from "../ffi/config.ts";

/** One GPU as `nvidia-smi` lists it. */
export interface Gpu {
  /** Index as CUDA numbers it (with every GPU visible). */
  index: number;
  /** Product name, e.g. `NVIDIA H200`. */
  name: string;
  /** Total memory in MiB. */
  memoryMiB: number;
  /** Driver version. */
  driver: string;
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): Gpu[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const [index, name, memory, driver] = line.split(",").map((field) => field.trim());
    return { index: Number(index), name, memoryMiB: Number(memory), driver };
  });
}

/** The machine's GPUs; none when `nvidia-smi` is missing or fails. */
export async function discoverGpus(): Promise<Gpu[]> {
  try {
    const { success, stdout } = await new Deno.Command("nvidia-smi", {
      args: [
        "--query-gpu=index,name,memory.total,driver_version",
        "--format=csv,noheader,nounits",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? parseNvidiaSmi(new TextDecoder().decode(stdout)) : [];
  } catch {
    return [];
  }
}

/** The GPUs asked for: `"all"`, `"none"` or a list of indices (each must exist). */
export function selectGpus(gpus: readonly Gpu[], wanted: "all" | "none" | number[]): Gpu[] {
  if (wanted === "all") return [...gpus];
  if (wanted === "none") return [];
  return wanted.map((index) => {
    const gpu = gpus.find((g) => g.index === index);
    if (!gpu) {
      const have = gpus.length ? gpus.map((g) => g.index).join(", ") : "none";
      throw new Error(`GPU ${index} was asked for but this machine has GPUs: ${have}`);
    }
    return gpu;
  });
}

/** Parses `--gpus` (`all`, `none` or `0,2`). */
export function parseGpuList(text: string): "all" | "none" | number[] {
  if (text === "all" || text === "none") return text;
  const indices = text.split(",").map((part) => part.trim());
  if (indices.some((part) => !/^\d+$/.test(part))) {
    throw new Error(`--gpus ${text}: expected "all", "none" or indices such as 0,2`);
  }
  return indices.map(Number);
}

const BYTES: Record<string, number> = { f32: 4, f16: 2, bf16: 2 };

/**
 * GPU memory a model will need, in MiB: its weight files, rescaled from the stored dtype to
 * the one asked for, plus a tenth and 512 MiB for activations, the KV cache and the context.
 * Synthetic models count their shape's parameters in the dtype asked for (bf16 unless given).
 */
export async function estimateModelMiB(model: SweepModel): Promise<number> {
  if (model.id.startsWith("synthetic:")) {
    const shape = SYNTHETIC_SHAPES[model.id.slice("synthetic:".length)];
    if (!shape) return 512;
    const bytes = parameterCount(shape) * (BYTES[model.dtype ?? shape.dtype] ?? 2);
    return Math.ceil((bytes * 1.1) / 2 ** 20) + 512;
  }
  let bytes = 0;
  let stored = "f32";
  try {
    const folder = model.hub?.folder ?? model.id;
    const config = JSON.parse(await Deno.readTextFile(resolve(folder, "config.json")));
    stored = { float16: "f16", bfloat16: "bf16" }[String(config.torch_dtype)] ?? "f32";
    for await (const entry of Deno.readDir(folder)) {
      if (/\.(safetensors|bin)$/.test(entry.name)) {
        bytes += (await Deno.stat(resolve(folder, entry.name))).size;
      }
    }
  } catch {
    return 512;
  }
  const scale = (BYTES[model.dtype ?? stored] ?? 4) / BYTES[stored];
  return Math.ceil((bytes * scale * 1.1) / 2 ** 20) + 512;
}
