/**
 * Finds and opens the native library the first time it is needed: `$GRIFFIN_LIB`, else the
 * local build `cuda/build/libgriffin.so` (made by `deno task build`).
 *
 * @module
 */
import { type NativeSymbols, symbols } from "./symbols.ts";
import { EngineError, unwrap } from "./errors.ts";

let opened: Deno.DynamicLibrary<typeof symbols> | undefined;

/** Where the library is looked for, in order. */
export function libraryCandidates(): string[] {
  const fromEnv = Deno.env.get("GRIFFIN_LIB");
  const local = new URL("../cuda/build/libgriffin.so", import.meta.url).pathname;
  return fromEnv ? [fromEnv] : [local];
}

/**
 * The library's functions, opened on first use.
 *
 * @example
 * ```ts ignore
 * console.log(native().gf_abi_version());
 * ```
 */
export function native(): NativeSymbols {
  if (opened) return opened.symbols;
  const [path] = libraryCandidates();
  // OpenMP threads that spin long between the engine's parallel loops starve the rest of the
  // process on small machines, and threads that sleep at once must be woken (tens of µs) for each
  // of a token's loops: a short spin, then sleep, unless the user chose otherwise.
  // (griffin-mini-llama at 0.5 on 2 cores: about 400 tokens/s sleeping at once, 600-900 spinning.)
  if (
    Deno.env.get("OMP_WAIT_POLICY") === undefined && Deno.env.get("GOMP_SPINCOUNT") === undefined
  ) {
    Deno.env.set("GOMP_SPINCOUNT", "3000");
  }
  try {
    opened = Deno.dlopen(path, symbols);
  } catch (cause) {
    throw new Error(
      `cannot load the native engine from ${path}: run \`deno task build\` first ` +
        `(or set GRIFFIN_LIB to a built libgriffin.so)`,
      { cause },
    );
  }
  return opened.symbols;
}

/** The last native error message on this thread. */
export function lastError(): string {
  const pointer = native().gf_last_error();
  return pointer ? Deno.UnsafePointerView.getCString(pointer) : "";
}

/** Calls unwrap() with this library's last error. */
export function check(status: number): void {
  unwrap(status, lastError);
}

/** The build's description, e.g. "griffin-bench engine abi 1, cpu+cuda(sm_90)". */
export function buildInfo(): string {
  const pointer = native().gf_build_info();
  return pointer ? Deno.UnsafePointerView.getCString(pointer) : "";
}

/** Usable CUDA devices (0 without a driver or a CUDA build). */
export function cudaDeviceCount(): number {
  const out = new Int32Array(1);
  check(native().gf_cuda_device_count(out));
  return out[0];
}

/** A NUL-terminated UTF-8 copy of a string, for `const char*` parameters. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * Every CUDA kernel against its CPU twin on random inputs (device 0): the report, one line a
 * check; throws an EngineError when a kernel disagrees or there is no device.
 */
export function checkKernels(seed: number): string {
  const report = new Uint8Array(1 << 16); // the whole report (it outgrew 16 KiB)
  const status = native().gf_cuda_check_kernels(BigInt(seed), report, report.length);
  const text = new TextDecoder().decode(report.subarray(0, report.indexOf(0)));
  if (status !== 0) throw new EngineError(status, `${lastError()}\n${text}`);
  return text;
}

/** A CUDA device's measured read bandwidth in GB/s. */
export function readBandwidth(device: number): number {
  const out = new Float64Array(1);
  check(native().gf_cuda_read_bandwidth(device, out));
  return out[0];
}

/** Device memory in use and in all, in bytes. */
export function deviceMemory(device: number): { used: number; total: number } {
  const used = new BigUint64Array(1), total = new BigUint64Array(1);
  check(native().gf_cuda_memory(device, used, total));
  return { used: Number(used[0]), total: Number(total[0]) };
}
