/**
 * Loads a Hugging Face model folder into a native model: config.json through zod, the
 * safetensors headers checked here, the bytes read by the engine at the offsets given.
 *
 * @module
 */
import type { DType } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { EngineError } from "../ffi/errors.ts";
import { type ModelConfig, ModelFileError, readModelConfig } from "./config.ts";
import { readModelTensors } from "./safetensors.ts";
import { alternativeNames, expectedTensors, isIgnoredTensor } from "./tensor_names.ts";

/** How to load a model. */
export interface LoadOptions {
  /** -1 for the CPU, N for CUDA device N. */
  device: number;
  /** Keep the weights in this dtype (default: F32 on the CPU, the checkpoint's on a GPU). */
  dtype?: DType;
}

/**
 * Loads `folder` (config.json and safetensors) onto a device.
 *
 * @example
 * ```ts ignore
 * const { config, model } = loadModelFolder("models/stories260K", { device: -1 });
 * model.close();
 * ```
 */
export function loadModelFolder(
  folder: string,
  options: LoadOptions,
): { config: ModelConfig; model: NativeModel } {
  const config = readModelConfig(folder);
  const tensors = readModelTensors(folder);
  const expected = expectedTensors(config.engine, config.tensorNaming);
  /* the checkpoint's name of each expected tensor (OPT's may lack the "model." prefix) */
  const stored = new Map(expected.map((t) => {
    const name = [t.name, ...alternativeNames(t.name)].find((n) => tensors.has(n)) ?? t.name;
    return [t.name, name];
  }));
  const wanted = new Set(stored.values());
  for (const name of tensors.keys()) {
    const tiedHead = name === "lm_head.weight" && config.engine.tiedEmbeddings;
    if (!wanted.has(name) && !isIgnoredTensor(name) && !tiedHead) {
      throw new ModelFileError(
        `${tensors.get(name)!.file}: tensor ${name} is not part of a ${config.architecture} ` +
          `model as config.json describes it`,
      );
    }
  }
  for (const t of expected) {
    const found = tensors.get(stored.get(t.name)!);
    if (!found) throw new ModelFileError(`${folder}: tensor ${t.name} is missing`);
    if (found.shape.join(",") !== t.shape.join(",")) {
      throw new ModelFileError(
        `${found.file}: tensor ${t.name} has shape [${found.shape}] but config.json implies ` +
          `[${t.shape}]`,
      );
    }
  }
  // The CPU computes in fp32 and converting 16-bit weights on the fly costs more than the
  // memory saved, so it keeps them as F32 (exact); a GPU keeps the checkpoint's dtype.
  const dtype = options.dtype ??
    (options.device < 0 ? "f32" : tensors.get(stored.get(expected[0].name)!)!.dtype);
  const model = new NativeModel({ ...config.engine, dtype }, options.device);
  try {
    for (const t of expected) {
      const found = tensors.get(stored.get(t.name)!)!;
      try {
        model.loadFile(t, found.dtype, found.file, found.offset, found.bytes);
      } catch (error) {
        if (error instanceof EngineError) {
          throw new ModelFileError(`${found.file}: tensor ${t.name}: ${error.message}`);
        }
        throw error;
      }
    }
    model.finalize();
  } catch (error) {
    model.close();
    throw error;
  }
  return { config: { ...config, engine: model.config }, model };
}
