/*
 * The build finds cuBLAS under $CUDA_HOME, and cuBLASLt beside it only where both its header and
 * its library are there (class mode's batch-invariant products need it).
 */
import assert from "node:assert/strict";
import { findCublas } from "./build.ts";

function fakeCuda(files: string[]): string {
  const root = Deno.makeTempDirSync({ prefix: "cuda_home_" });
  for (const file of files) {
    Deno.mkdirSync(`${root}/${file.slice(0, file.lastIndexOf("/"))}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/${file}`, "");
  }
  return root;
}

Deno.test("findCublas reports cuBLASLt only where its header and library sit beside cuBLAS's", () => {
  const saved = Deno.env.get("CUDA_HOME"), off = Deno.env.get("GRIFFIN_NO_CUBLAS");
  Deno.env.delete("GRIFFIN_NO_CUBLAS");
  const cublas = ["include/cublas_v2.h", "lib64/libcublas.so"];
  const roots = [
    fakeCuda([...cublas, "include/cublasLt.h", "lib64/libcublasLt.so"]),
    fakeCuda([...cublas, "include/cublasLt.h"]),
    fakeCuda(cublas),
  ];
  try {
    const found = roots.map((root) => {
      Deno.env.set("CUDA_HOME", root);
      return findCublas();
    });
    assert.deepEqual(found[0], {
      include: `${roots[0]}/include`,
      lib: `${roots[0]}/lib64`,
      lt: true,
    });
    assert.equal(found[1]?.lt, false);
    assert.equal(found[2]?.lt, false);
    assert.equal(found[2]?.include, `${roots[2]}/include`);
  } finally {
    if (saved === undefined) Deno.env.delete("CUDA_HOME");
    else Deno.env.set("CUDA_HOME", saved);
    if (off !== undefined) Deno.env.set("GRIFFIN_NO_CUBLAS", off);
    for (const root of roots) Deno.removeSync(root, { recursive: true });
  }
});
