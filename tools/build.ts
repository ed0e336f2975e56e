/**
 * Builds the native library `cuda/build/libgriffin.so`, incrementally: the CPU backend with g++
 * and, whenever nvcc is on the PATH (and GRIFFIN_NO_CUDA is unset), the CUDA sources for sm_90.
 * Run it as `deno task build`.
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;
const cudaDir = `${root}cuda`;
const buildDir = `${cudaDir}/build`;
const objDir = `${buildDir}/obj`;
/** Where the library lands. */
export const libraryPath = `${buildDir}/libgriffin.so`;

async function has(command: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", { args: ["-c", `command -v ${command}`] })
      .output();
    return success;
  } catch {
    return false;
  }
}

function mtime(path: string): number {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

async function run(command: string, args: string[]): Promise<void> {
  console.log(`  ${command} ${args.join(" ")}`);
  const { success, stderr } = await new Deno.Command(command, { args, stderr: "piped" }).output();
  const text = new TextDecoder().decode(stderr);
  if (text.trim()) console.error(text);
  if (!success) throw new Error(`build failed: ${command} exited with an error (see above)`);
}

/** AVX2 and FMA when this machine's CPU has them (the library is built where it runs). */
function cpuFlags(): string[] {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return / avx2 /.test(info) && / fma /.test(info) ? ["-mavx2", "-mfma"] : [];
  } catch {
    return [];
  }
}

/** Compiles one source file to an object. */
async function compile(
  source: string,
  input: string,
  object: string,
  cublas: Cublas | undefined,
): Promise<void> {
  if (source.endsWith(".cu")) {
    await run("nvcc", [
      "-O3",
      "-std=c++17",
      "-gencode=arch=compute_90,code=sm_90",
      ...(cublas ? ["-DGF_HAVE_CUBLAS", `-I${cublas.include}`] : []),
      ...(cublas?.lt ? ["-DGF_HAVE_CUBLASLT"] : []),
      "-Xcompiler",
      "-fPIC",
      "-c",
      input,
      "-o",
      object,
    ]);
  } else {
    await run("g++", [
      "-O3",
      "-std=c++17",
      "-fPIC",
      "-fopenmp",
      "-Wall",
      "-Wextra",
      ...cpuFlags(),
      "-c",
      input,
      "-o",
      object,
    ]);
  }
}

/** cuBLAS's include and library folders, and whether cuBLASLt is there beside it. */
export interface Cublas {
  include: string;
  lib: string;
  /** cublasLt.h and libcublasLt.so beside cuBLAS's (class mode's batch-invariant products). */
  lt: boolean;
}

/**
 * Where cuBLAS lives, when this machine has it (the H200 machine does; CI does not):
 * include and library folders under $CUDA_HOME, /usr/local/cuda or /usr/local/cuda-13.0.
 */
export function findCublas(): Cublas | undefined {
  if (Deno.env.get("GRIFFIN_NO_CUBLAS")) return undefined;
  const roots = [Deno.env.get("CUDA_HOME"), "/usr/local/cuda", "/usr/local/cuda-13.0"];
  for (const root of roots.filter((r): r is string => !!r)) {
    for (const sub of ["", "/targets/x86_64-linux"]) {
      const include = `${root}${sub}/include`;
      if (mtime(`${include}/cublas_v2.h`) === 0) continue;
      for (const lib of [`${root}${sub}/lib`, `${root}/lib64`]) {
        if (mtime(`${lib}/libcublas.so`) === 0) continue;
        const lt = mtime(`${include}/cublasLt.h`) > 0 && mtime(`${lib}/libcublasLt.so`) > 0;
        return { include, lib, lt };
      }
    }
  }
  return undefined;
}

/** Builds what is out of date and returns the library's path. */
export async function build(): Promise<string> {
  const useCuda = !Deno.env.get("GRIFFIN_NO_CUDA") && await has("nvcc");
  const cublas = useCuda ? findCublas() : undefined;
  Deno.mkdirSync(objDir, { recursive: true });
  const files = [...Deno.readDirSync(cudaDir)].map((e) => e.name).sort();
  const headersTime = Math.max(
    ...files.filter((f) => f.endsWith(".h") || f.endsWith(".cuh")).map((f) =>
      mtime(`${cudaDir}/${f}`)
    ),
  );
  const sources = files.filter((f) =>
    f.endsWith(".cpp") && !(useCuda && f === "cuda_none.cpp") ||
    useCuda && f.endsWith(".cu")
  );
  const flavour = useCuda
    ? (cublas ? (cublas.lt ? "cuda+cublas+lt" : "cuda+cublas") : "cuda")
    : "cpu";
  const flavourFile = `${buildDir}/flavour`;
  let lastFlavour = "";
  try {
    lastFlavour = Deno.readTextFileSync(flavourFile);
  } catch { /* first build */ }
  const objects: string[] = [];
  let changed = false;
  const jobs: (() => Promise<void>)[] = [];
  for (const source of sources) {
    const object = `${objDir}/${source}.o`;
    objects.push(object);
    const input = `${cudaDir}/${source}`;
    const current =
      mtime(object) > Math.max(mtime(input), headersTime, mtime(import.meta.filename!));
    if (current && lastFlavour === flavour) continue;
    changed = true;
    jobs.push(() => compile(source, input, object, cublas));
  }
  // compile in parallel, a few at a time (nvcc is slow; machines have cores)
  const width = Math.max(1, Math.min(8, navigator.hardwareConcurrency));
  for (let i = 0; i < jobs.length; i += width) {
    await Promise.all(jobs.slice(i, i + width).map((job) => job()));
  }
  const stale = objects.some((o) => mtime(o) > mtime(libraryPath));
  if (changed || stale || lastFlavour !== flavour || mtime(libraryPath) === 0) {
    const tmp = `${libraryPath}.tmp`;
    if (useCuda) {
      await run("nvcc", [
        "-shared",
        "-cudart=static",
        "-o",
        tmp,
        ...objects,
        "-Xcompiler",
        "-fopenmp",
        "-lgomp",
        ...(cublas ? [`-L${cublas.lib}`, "-lcublas", `-Xlinker=-rpath,${cublas.lib}`] : []),
        ...(cublas?.lt ? ["-lcublasLt"] : []),
      ]);
    } else {
      await run("g++", ["-shared", "-fopenmp", "-o", tmp, ...objects]);
    }
    Deno.renameSync(tmp, libraryPath);
    Deno.writeTextFileSync(flavourFile, flavour);
    console.log(`built ${libraryPath} (${flavour})`);
  } else {
    console.log(`${libraryPath} is up to date (${flavour})`);
  }
  return libraryPath;
}

if (import.meta.main) {
  try {
    await build();
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
