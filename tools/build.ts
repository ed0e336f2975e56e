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

/** Builds what is out of date and returns the library's path. */
export async function build(): Promise<string> {
  const useCuda = !Deno.env.get("GRIFFIN_NO_CUDA") && await has("nvcc");
  Deno.mkdirSync(objDir, { recursive: true });
  const files = [...Deno.readDirSync(cudaDir)].map((e) => e.name).sort();
  const headersTime = Math.max(
    ...files.filter((f) => f.endsWith(".h")).map((f) => mtime(`${cudaDir}/${f}`)),
  );
  const sources = files.filter((f) =>
    f.endsWith(".cpp") && !(useCuda && f === "cuda_none.cpp") ||
    useCuda && f.endsWith(".cu")
  );
  const objects: string[] = [];
  let changed = false;
  for (const source of sources) {
    const object = `${objDir}/${source}.o`;
    objects.push(object);
    const input = `${cudaDir}/${source}`;
    if (mtime(object) > Math.max(mtime(input), headersTime)) continue;
    changed = true;
    if (source.endsWith(".cu")) {
      await run("nvcc", [
        "-O3",
        "-std=c++17",
        "-gencode=arch=compute_90,code=sm_90",
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
  const stale = objects.some((o) => mtime(o) > mtime(libraryPath));
  const flavour = useCuda ? "cuda" : "cpu";
  const flavourFile = `${buildDir}/flavour`;
  let lastFlavour = "";
  try {
    lastFlavour = Deno.readTextFileSync(flavourFile);
  } catch { /* first build */ }
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
