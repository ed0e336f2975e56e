/**
 * Repositories the Hub tests serve: the project's mini Llama as a real model (single file and
 * sharded), a gated copy, a private one, and one without weights.
 *
 * @module
 */
import { encodeSafetensors } from "../../safetensors_write.ts";
import { fakeCommit, type FakeFile, type FakeRepo } from "./fake_hub.ts";

const MINI = new URL("../../griffin-mini-llama/", import.meta.url);

function read(name: string): Uint8Array {
  return Deno.readFileSync(new URL(name, MINI));
}

/** The mini Llama's files as a Hub repository holds them (plus a README it should not fetch). */
export function miniLlamaFiles(): Record<string, FakeFile> {
  return {
    "config.json": { bytes: read("config.json") },
    "tokenizer.json": { bytes: read("tokenizer.json"), lfs: true },
    "tokenizer_config.json": { bytes: read("tokenizer_config.json") },
    "model.safetensors": { bytes: read("model.safetensors"), lfs: true },
    "README.md": { bytes: read("README.md") },
  };
}

/** A sharded repository: an index naming two shards of small tensors. */
export function shardedFiles(): Record<string, FakeFile> {
  const shard = (name: string, values: number[]) =>
    encodeSafetensors(
      new Map([[name, {
        dtype: "f32",
        shape: [values.length],
        data: new Uint8Array(new Float32Array(values).buffer),
      }]]),
    );
  const index = {
    metadata: {},
    weight_map: {
      "a.weight": "model-00001-of-00002.safetensors",
      "b.weight": "model-00002-of-00002.safetensors",
    },
  };
  return {
    "config.json": { bytes: new TextEncoder().encode('{"model_type":"llama"}') },
    "model.safetensors.index.json": { bytes: new TextEncoder().encode(JSON.stringify(index)) },
    "model-00001-of-00002.safetensors": { bytes: shard("a.weight", [1, 2, 3]), lfs: true },
    "model-00002-of-00002.safetensors": { bytes: shard("b.weight", [4, 5]), lfs: true },
    "pytorch_model.bin": { bytes: new Uint8Array(64), lfs: true },
  };
}

/** Every fixture repository. */
export function fixtureRepos(): FakeRepo[] {
  return [
    {
      type: "model",
      name: "test-org/mini-llama",
      commit: fakeCommit("mini"),
      files: miniLlamaFiles(),
      refs: ["main", "v1"],
    },
    {
      type: "model",
      name: "test-org/sharded",
      commit: fakeCommit("sharded"),
      files: shardedFiles(),
    },
    {
      type: "model",
      name: "test-org/gated",
      commit: fakeCommit("gated"),
      files: miniLlamaFiles(),
      gated: true,
    },
    {
      type: "model",
      name: "test-org/private",
      commit: fakeCommit("private"),
      files: miniLlamaFiles(),
      private: true,
    },
    {
      type: "model",
      name: "test-org/no-weights",
      commit: fakeCommit("none"),
      files: { "config.json": miniLlamaFiles()["config.json"] },
    },
    {
      type: "model",
      name: "test-org/branches-only",
      commit: fakeCommit("branches"),
      files: miniLlamaFiles(),
      branchesOnly: true,
    },
  ];
}
