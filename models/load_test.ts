import assert from "node:assert/strict";
import { loadModelFolder } from "./load.ts";
import { ModelFileError } from "./config.ts";
import { NativeSession } from "../ffi/session.ts";
import { librarySkip, sharedSkip, stories260K } from "../testdata/fixtures.ts";
import { convertTensor, folderTensors, writeModelFolder } from "../testdata/model_folders.ts";

const ignore = sharedSkip !== "";
const PROMPT = new Int32Array([1, 403, 407, 261, 378, 283, 300, 267]);

function logitsOf(
  folder: string,
  dtype?: "f32" | "bf16" | "f16",
  prompt: Int32Array<ArrayBuffer> = PROMPT,
): Float32Array {
  const { model } = loadModelFolder(folder, { device: -1, dtype });
  const session = new NativeSession(model, 64);
  try {
    return session.prompt(prompt, true);
  } finally {
    session.close();
    model.close();
  }
}

async function inTemp(fn: (dir: string) => void | Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test({
  name: `a sharded folder loads to the same logits as the single file${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      writeModelFolder(dir, stories260K, folderTensors(stories260K), { shards: 3 });
      assert.deepEqual(logitsOf(dir), logitsOf(stories260K));
    }),
});

Deno.test({
  name: `BF16 and F16 checkpoints load and stay close to the F32 logits${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      const reference = logitsOf(stories260K);
      for (const dtype of ["bf16", "f16"] as const) {
        const tensors = new Map(
          [...folderTensors(stories260K)].map(([n, t]) => [n, convertTensor(t, dtype)]),
        );
        writeModelFolder(`${dir}/${dtype}`, stories260K, tensors);
        const logits = logitsOf(`${dir}/${dtype}`);
        const tolerance = dtype === "bf16" ? 0.25 : 0.02;
        assert.ok(
          maxDiff(logits, reference) < tolerance,
          `${dtype}: ${maxDiff(logits, reference)}`,
        );
        assert.ok(maxDiff(logits, reference) > 0);
      }
    }),
});

Deno.test({
  name: `an F32 checkpoint kept as bf16 equals the same weights stored as BF16${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      const tensors = new Map(
        [...folderTensors(stories260K)].map(([n, t]) => [n, convertTensor(t, "bf16")]),
      );
      writeModelFolder(dir, stories260K, tensors);
      // norms stay F32 in the engine; the checkpoint's BF16 norms were rounded, so compare
      // the matrices' effect only through a folder whose norms are F32 too
      const mixed = new Map(
        [...folderTensors(stories260K)].map((
          [n, t],
        ) => [n, n.endsWith("norm.weight") ? t : convertTensor(t, "bf16")]),
      );
      writeModelFolder(`${dir}/mixed`, stories260K, mixed);
      assert.deepEqual(logitsOf(stories260K, "bf16"), logitsOf(`${dir}/mixed`));
    }),
});

Deno.test({
  name:
    `a truncated safetensors file is refused before loading, naming file and tensor${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      writeModelFolder(dir, stories260K, folderTensors(stories260K));
      const file = `${dir}/model.safetensors`;
      const bytes = Deno.readFileSync(file);
      Deno.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
      assert.throws(
        () => loadModelFolder(dir, { device: -1 }),
        (e: Error) =>
          e instanceof ModelFileError && e.message.includes(file) &&
          e.message.includes("truncated") && e.message.includes("tensor "),
      );
    }),
});

Deno.test({
  name: `a corrupt safetensors header is a clear error${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      writeModelFolder(dir, stories260K, folderTensors(stories260K));
      const file = `${dir}/model.safetensors`;
      const bytes = Deno.readFileSync(file);
      bytes[8] = 0x21; // the header's opening "{" becomes "!"
      Deno.writeFileSync(file, bytes);
      assert.throws(() => loadModelFolder(dir, { device: -1 }), /corrupt safetensors header/);
      Deno.writeFileSync(file, new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0, 1, 2]));
      assert.throws(() => loadModelFolder(dir, { device: -1 }), /header length/);
    }),
});

Deno.test({
  name: `a missing tensor, a wrong shape or a stray tensor names the tensor${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      const tensors = folderTensors(stories260K);
      const missing = new Map(tensors);
      missing.delete("model.layers.3.mlp.up_proj.weight");
      writeModelFolder(`${dir}/a`, stories260K, missing);
      assert.throws(
        () => loadModelFolder(`${dir}/a`, { device: -1 }),
        /tensor model.layers.3.mlp.up_proj.weight is missing/,
      );
      writeModelFolder(`${dir}/b`, stories260K, tensors, { config: { intermediate_size: 170 } });
      assert.throws(
        () => loadModelFolder(`${dir}/b`, { device: -1 }),
        /tensor model.layers.0.mlp.gate_proj.weight has shape \[172,64\] but config.json implies \[170,64\]/,
      );
      const stray = new Map(tensors);
      stray.set("model.layers.0.mlp.extra.weight", tensors.get("model.norm.weight")!);
      writeModelFolder(`${dir}/c`, stories260K, stray);
      assert.throws(
        () => loadModelFolder(`${dir}/c`, { device: -1 }),
        /mlp.extra.weight is not part/,
      );
    }),
});

Deno.test("a folder without safetensors is a clear error", async () => {
  await inTemp((dir) => {
    Deno.writeTextFileSync(
      `${dir}/config.json`,
      JSON.stringify({
        model_type: "llama",
        hidden_size: 8,
        intermediate_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        vocab_size: 10,
      }),
    );
    assert.throws(() => loadModelFolder(dir, { device: -1 }), /no model.safetensors/);
  });
});

Deno.test({
  name: `a shard index naming a tensor its shard lacks is refused${sharedSkip}`,
  ignore,
  fn: () =>
    inTemp((dir) => {
      writeModelFolder(dir, stories260K, folderTensors(stories260K), { shards: 2 });
      const index = JSON.parse(Deno.readTextFileSync(`${dir}/model.safetensors.index.json`));
      index.weight_map["model.ghost.weight"] = "model-00001-of-00002.safetensors";
      Deno.writeTextFileSync(`${dir}/model.safetensors.index.json`, JSON.stringify(index));
      assert.throws(() => loadModelFolder(dir, { device: -1 }), /weight_map.model.ghost.weight/);
    }),
});

const opt = new URL("../testdata/arch/opt-350m", import.meta.url).pathname;

Deno.test({
  name:
    `OPT checkpoints named without the "model." prefix, as the Hub's are, load the same${librarySkip}`,
  ignore: librarySkip !== "",
  fn: () =>
    inTemp((dir) => {
      const renamed = new Map(
        [...folderTensors(opt)].map(([n, t]) => [n.replace(/^model\./, ""), t]),
      );
      writeModelFolder(dir, opt, renamed);
      const prompt = new Int32Array([2, 40, 7, 99, 12, 3]);
      assert.deepEqual(logitsOf(dir, undefined, prompt), logitsOf(opt, undefined, prompt));
    }),
});

Deno.test({
  name: `a bias missing from an OPT checkpoint is named${librarySkip}`,
  ignore: librarySkip !== "",
  fn: () =>
    inTemp((dir) => {
      const tensors = folderTensors(opt);
      tensors.delete("model.decoder.layers.1.fc2.bias");
      writeModelFolder(dir, opt, tensors);
      assert.throws(
        () => loadModelFolder(dir, { device: -1 }),
        /tensor model.decoder.layers.1.fc2.bias is missing/,
      );
    }),
});
