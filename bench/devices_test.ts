import assert from "node:assert/strict";
import { estimateModelMiB, parseGpuList, parseNvidiaSmi, selectGpus } from "./devices.ts";

const SMI = "0, NVIDIA H200, 143771, 570.86\n1, NVIDIA H200, 143771, 570.86\n";

Deno.test("nvidia-smi's CSV becomes a list of GPUs", () => {
  const gpus = parseNvidiaSmi(SMI);
  assert.deepEqual(gpus[1], { index: 1, name: "NVIDIA H200", memoryMiB: 143771, driver: "570.86" });
});

Deno.test("--gpus picks listed GPUs and names a missing one", () => {
  const gpus = parseNvidiaSmi(SMI);
  assert.deepEqual(selectGpus(gpus, parseGpuList("1")).map((g) => g.index), [1]);
  assert.equal(selectGpus(gpus, "none").length, 0);
  assert.throws(
    () => selectGpus(gpus, [0, 2]),
    /GPU 2 was asked for but this machine has GPUs: 0, 1/,
  );
  assert.throws(() => parseGpuList("0;2"), /expected "all", "none" or indices/);
});

Deno.test("a model's memory estimate follows its weight files and the dtype asked for", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ torch_dtype: "float16" }));
  await Deno.writeFile(`${dir}/model.safetensors`, new Uint8Array(2 ** 20 * 10));
  assert.equal(await estimateModelMiB({ id: dir, label: "m" }), 11 + 512);
  assert.equal(await estimateModelMiB({ id: dir, label: "m", dtype: "f32" }), 22 + 512);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a synthetic model's memory comes from its shape and dtype", async () => {
  const llama13b = await estimateModelMiB({ id: "synthetic:llama2-13b", label: "13b" });
  assert.ok(llama13b > 26_000 && llama13b < 28_000, `${llama13b}`); // 13.0B params in bf16, +10%
  const f32 = await estimateModelMiB({ id: "synthetic:llama2-13b", label: "13b", dtype: "f32" });
  assert.ok(f32 > 2 * llama13b - 1000);
  assert.ok(await estimateModelMiB({ id: "synthetic:tiny", label: "t" }) < 600);
});
