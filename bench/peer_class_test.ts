import assert from "node:assert/strict";
import { parsePeerClass, peerCells, peerRate, peerSummary, readPeerClass } from "./peer_class.ts";

const META = {
  script: "tools/peer_bench/hf_class_score.py",
  torch: "2.11.0",
  transformers: "5.17.0",
  gpu: "NVIDIA H200",
  dtype: "bf16",
  attn_implementation: "sdpa",
  batch_size: 32,
};

const row = (requestTokens: number, batchSize: number, tokensPerSecond: number | null) => ({
  shape: "llama2-7b",
  request_tokens: requestTokens,
  batch_size: batchSize,
  requests: Math.ceil(16384 / requestTokens),
  tokens_per_second: tokensPerSecond,
  seconds: tokensPerSecond === null ? null : 16384 / tokensPerSecond,
  error: tokensPerSecond === null ? "OutOfMemoryError: CUDA out of memory" : null,
  loglikelihood_sum: -1234.5,
});

Deno.test("the peer's JSON as hf_class_score.py writes it is read, extra fields ignored", () => {
  const peer = parsePeerClass({ meta: META, rows: [row(64, 32, 90000), row(400, 32, null)] }, "f");
  assert.equal(peer.rows.length, 2);
  assert.equal(peer.meta.gpu, "NVIDIA H200");
  assert.match(peerSummary(peer, "hf.json"), /transformers 5\.17\.0, torch 2\.11\.0, NVIDIA H200/);
});

Deno.test("the peer's rate is its fastest good row of that shape and request length", () => {
  const peer = parsePeerClass({
    meta: META,
    rows: [row(64, 16, 70000), row(64, 32, 90000), row(160, 32, null)],
  }, "f");
  assert.deepEqual(peerRate(peer, "llama2-7b", 64), { tokensPerSecond: 90000, batchSize: 32 });
  assert.equal(peerRate(peer, "llama2-7b", 160), undefined); // only a failed row
  assert.equal(peerRate(peer, "llama2-13b", 64), undefined);
});

Deno.test("ours / HF is our batched rate over the peer's, dashes without a peer figure", () => {
  assert.deepEqual(peerCells(45000, { tokensPerSecond: 90000, batchSize: 32 }), ["90000", "0.50×"]);
  assert.deepEqual(peerCells(45000, undefined), ["–", "–"]);
});

Deno.test("a malformed peer file is one line naming the file and the field", () => {
  const bad = { meta: META, rows: [{ ...row(64, 32, 90000), tokens_per_second: "fast" }] };
  assert.throws(
    () => parsePeerClass(bad, "hf.json"),
    (e: Error) =>
      /^hf\.json: field rows\.0\.tokens_per_second: /.test(e.message) &&
      !e.message.includes("\n"),
  );
  const { transformers: _, ...noVersion } = META;
  assert.throws(
    () => parsePeerClass({ meta: noVersion, rows: [] }, "hf.json"),
    /hf\.json: field meta\.transformers: missing/,
  );
});

Deno.test("a missing or non-JSON peer file is an error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(readPeerClass(`${dir}/none.json`), /none\.json: cannot read the peer file/);
  await Deno.writeTextFile(`${dir}/torn.json`, '{"meta": {');
  await assert.rejects(readPeerClass(`${dir}/torn.json`), /torn\.json: not JSON/);
  await Deno.writeTextFile(
    `${dir}/ok.json`,
    JSON.stringify({ meta: META, rows: [row(64, 32, 1)] }),
  );
  assert.equal((await readPeerClass(`${dir}/ok.json`)).rows.length, 1);
  await Deno.remove(dir, { recursive: true });
});
