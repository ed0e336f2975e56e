/**
 * What `generate` and `score` share: opening the model from flags, GRIFFIN options, and
 * turning errors into one line with the right exit code.
 *
 * @module
 */
import { type EngineModel, openModel } from "../engine/open.ts";
import { SELECTION_METHODS, type SelectionMethod } from "../engine/types.ts";
import { EngineError, Status } from "../ffi/errors.ts";
import { ModelFileError } from "../models/config.ts";
import { HubError } from "../models/hub/hub_error.ts";
import type { DType } from "../ffi/config.ts";
import { type FlagKind, type Flags, UsageError } from "./cli_args.ts";

/** Flags both commands take. */
export const COMMON_FLAGS: Record<string, FlagKind> = {
  model: "string",
  density: "numbers",
  method: "string",
  seed: "number",
  device: "string",
  dtype: "string",
  bos: "switch",
  "no-bos": "switch",
  json: "switch",
  help: "switch",
};

/** GRIFFIN options from flags (density 1 — the full model — unless given). */
export function griffinFromFlags(flags: Flags): {
  density: number | number[];
  method: SelectionMethod;
  seed: number;
} {
  const densities = (flags.density as number[] | undefined) ?? [1];
  for (const d of densities) {
    if (!(d >= 0 && d <= 1)) throw new UsageError(`--density: ${d} is not in [0, 1]`);
  }
  const method = (flags.method as string | undefined) ?? "topk";
  if (!(SELECTION_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--method: "${method}" is not one of ${SELECTION_METHODS.join(", ")}`);
  }
  const seed = (flags.seed as number | undefined) ?? 0;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new UsageError(`--seed: ${seed} is not a whole number ≥ 0`);
  }
  return {
    density: densities.length === 1 ? densities[0] : densities,
    method: method as SelectionMethod,
    seed,
  };
}

/** Opens --model with --device, --dtype, --bos/--no-bos. */
export async function openFromFlags(flags: Flags): Promise<EngineModel> {
  const id = flags.model as string | undefined;
  if (!id) throw new UsageError("--model PATH|ORG/NAME[@REVISION]|synthetic:NAME is required");
  const dtype = flags.dtype as string | undefined;
  if (dtype !== undefined && !["f32", "f16", "bf16"].includes(dtype)) {
    throw new UsageError(`--dtype: "${dtype}" is not f32, f16 or bf16`);
  }
  if (flags.bos && flags["no-bos"]) throw new UsageError("--bos and --no-bos exclude each other");
  return await openModel(id, {
    device: (flags.device as string | undefined) ?? "auto",
    dtype: dtype as DType | undefined,
    addBos: flags.bos ? true : flags["no-bos"] ? false : undefined,
  });
}

/** Reads a file named by a flag, or a UsageError naming it. */
export function readFlagFile(flag: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (cause) {
    throw new UsageError(`--${flag}: cannot read ${path} (${(cause as Error).message})`);
  }
}

/**
 * Runs a command's body: bad input prints one line and exits 2, other failures exit 1.
 */
export async function runCommand(body: () => Promise<void>): Promise<never> {
  try {
    await body();
    Deno.exit(0);
  } catch (error) {
    const badInput = error instanceof UsageError || error instanceof ModelFileError ||
      error instanceof HubError && error.kind !== "network" ||
      error instanceof RangeError ||
      error instanceof EngineError &&
        [Status.invalidArgument, Status.io, Status.unsupported].includes(
          error.status as 1 | 2 | 4,
        );
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(badInput ? 2 : 1);
  }
}
