import assert from "node:assert/strict";
import { parsePeerClass, peerCells, peerRate, peerSummary, readPeerClass } from "./peer_class.ts";
import { PEER_META, peerRow } from "./testing/peer_class.ts";

Deno.test("the peer's JSON as hf_class_score.py writes it is read, extra fields ignored", () => {
  const peer = parsePeerClass({
    meta: PEER_META,
    rows: [peerRow(64, 32, 90000), peerRow(400, 32, null)],
  }, "f");
  assert.equal(peer.rows.length, 2);
  assert.equal(peer.meta.gpu, "NVIDIA H200");
  assert.match(peerSummary(peer, "hf.json"), /transformers 5\.17\.0, torch 2\.11\.0, NVIDIA H200/);
});

Deno.test("the peer's rate is its fastest good row of that shape and request length", () => {
  const peer = parsePeerClass({
    meta: PEER_META,
    rows: [peerRow(64, 16, 70000), peerRow(64, 32, 90000), peerRow(160, 32, null)],
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
  const bad = { meta: PEER_META, rows: [{ ...peerRow(64, 32, 90000), tokens_per_second: "fast" }] };
  assert.throws(
    () => parsePeerClass(bad, "hf.json"),
    (e: Error) =>
      /^hf\.json: field rows\.0\.tokens_per_second: /.test(e.message) &&
      !e.message.includes("\n"),
  );
  const { transformers: _, ...noVersion } = PEER_META;
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
    JSON.stringify({ meta: PEER_META, rows: [peerRow(64, 32, 1)] }),
  );
  assert.equal((await readPeerClass(`${dir}/ok.json`)).rows.length, 1);
  await Deno.remove(dir, { recursive: true });
});
