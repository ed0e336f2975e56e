/**
 * NativeModel: one gf_model handle — weights of one model on one device.
 *
 * @module
 */
import { ClosedError } from "./errors.ts";
import { check, cString, native } from "./library.ts";
import { type DType, DTYPES, type EngineConfig, packConfig } from "./config.ts";

/** Tensor kinds, numbered as gf_tensor_kind. */
export const TENSOR_KINDS = {
  embed: 0,
  finalNorm: 1,
  lmHead: 2,
  attnNorm: 3,
  wq: 4,
  wk: 5,
  wv: 6,
  wo: 7,
  ffNorm: 8,
  wGate: 9,
  wUp: 10,
  wDown: 11,
  bq: 12,
  bk: 13,
  bv: 14,
  bo: 15,
  bGate: 16,
  bUp: 17,
  bDown: 18,
  attnNormBias: 19,
  ffNormBias: 20,
  finalNormBias: 21,
  posEmbed: 22,
  projectIn: 23,
  projectOut: 24,
} as const;
/** A tensor kind's name. */
export type TensorKind = keyof typeof TENSOR_KINDS;

/** Where one tensor lies: kind, layer (-1 for model-wide tensors). */
export interface TensorSlot {
  kind: TensorKind;
  layer: number;
}

/** Owns a gf_model; `close()` frees it and is safe to call twice. */
export class NativeModel {
  /** The architecture it was created with. */
  readonly config: EngineConfig;
  /** -1 for the CPU, N for CUDA device N. */
  readonly device: number;
  #handle: Deno.PointerValue;
  #sessions = 0;

  /**
   * Creates an empty model on a device.
   *
   * @example
   * ```ts ignore
   * const model = new NativeModel(config, -1);
   * model.synthesize(42n);
   * model.finalize();
   * model.close();
   * ```
   */
  constructor(config: EngineConfig, device: number) {
    const out = new BigUint64Array(1);
    check(native().gf_model_create(packConfig(config), device, out));
    this.#handle = Deno.UnsafePointer.create(out[0]);
    this.config = config;
    this.device = device;
  }

  /** The raw handle; throws ClosedError after close(). */
  get handle(): Deno.PointerObject {
    if (this.#handle === null) throw new ClosedError("model");
    return this.#handle;
  }

  /** Reads a tensor's bytes from a file at an offset (the engine converts the dtype). */
  loadFile(slot: TensorSlot, dtype: DType, path: string, offset: number, bytes: number): void {
    check(
      native().gf_model_load_file(
        this.handle,
        TENSOR_KINDS[slot.kind],
        slot.layer,
        DTYPES[dtype],
        cString(path),
        BigInt(offset),
        BigInt(bytes),
      ),
    );
  }

  /** Copies a tensor from memory. */
  loadData(slot: TensorSlot, dtype: DType, data: Uint8Array<ArrayBuffer>): void {
    check(
      native().gf_model_load_data(
        this.handle,
        TENSOR_KINDS[slot.kind],
        slot.layer,
        DTYPES[dtype],
        data,
        BigInt(data.byteLength),
      ),
    );
  }

  /** Fills every tensor with seeded random values. */
  synthesize(seed: bigint): void {
    check(native().gf_model_synthesize(this.handle, seed));
  }

  /** Checks every tensor is present and precomputes the magnitude baseline. */
  finalize(): void {
    check(native().gf_model_finalize(this.handle));
  }

  /** The magnitude baseline's neuron scores of a layer. */
  neuronMagnitudes(layer: number): Float32Array {
    const out = new Float32Array(this.config.ffSize);
    check(native().gf_model_neuron_magnitudes(this.handle, layer, out));
    return out;
  }

  /** Bytes of weights held on the device. */
  weightBytes(): number {
    const out = new BigUint64Array(1);
    check(native().gf_model_weight_bytes(this.handle, out));
    return Number(out[0]);
  }

  /** @internal sessions register themselves so close() can refuse while they live. */
  _sessionOpened(delta: 1 | -1): void {
    this.#sessions += delta;
  }

  /** Frees the model; a second call does nothing. Open sessions must be closed first. */
  close(): void {
    if (this.#handle === null) return;
    if (this.#sessions > 0) {
      throw new Error(`close the model's ${this.#sessions} open session(s) first`);
    }
    check(native().gf_model_free(this.#handle));
    this.#handle = null;
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.#handle === null;
  }
}
