import assert from "node:assert/strict";
import { classRequests, classTable, type EvalRow } from "./eval_speed.ts";
import { parsePeerClass, peerRate } from "./peer_class.ts";
import { PEER_META, peerRow } from "./testing/peer_class.ts";

const rows: EvalRow[] = [1, 0.5].map((density) => ({
  shape: "llama2-7b",
  requestTokens: 64,
  density,
  batchedTokensPerSecond: 60000 * (2 - density),
  singleTokensPerSecond: 6000,
}));

Deno.test("class requests hold length input tokens and a 4-token continuation", () => {
  const [a, b] = classRequests(2, 160, 32000, 0.5);
  assert.equal(a.contextIds.length, 157);
  assert.equal(a.continuationIds.length, 4);
  assert.notDeepEqual(a.contextIds, b.contextIds);
  assert.ok([...a.contextIds, ...a.continuationIds].every((id) => id >= 3 && id < 32000));
});

Deno.test("without a peer the class table has no HF columns", () => {
  const lines = classTable(rows, false);
  assert.equal(lines.length, 4);
  assert.ok(!lines[0].includes("HF"));
  assert.equal(lines[2], "| llama2-7b | 64 | 1 | 60000 | 6000 | 10.0× |");
});

Deno.test("with a peer both densities compare to the peer's full-model figure", () => {
  const peer = parsePeerClass({ meta: PEER_META, rows: [peerRow(64, 32, 40000)] }, "hf.json");
  const hf = peerRate(peer, "llama2-7b", 64)!;
  const withHf = rows.map((r) => ({ ...r, hfTokensPerSecond: hf.tokensPerSecond }));
  const lines = classTable([...withHf, { ...rows[0], requestTokens: 400 }], true);
  assert.match(lines[0], /\| HF batched tokens\/s \| ours \/ HF \|$/);
  assert.match(lines[2], /\| 40000 \| 1\.50× \|$/);
  assert.match(lines[3], /\| 90000 \| 6000 \| 15\.0× \| 40000 \| 2\.25× \|$/);
  assert.match(lines[4], /\| 400 \| .* \| – \| – \|$/); // no peer row for 400 tokens
});

Deno.test("a missing peer file stops bench:eval with one line naming it", async () => {
  const script = new URL("./eval_speed.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, "--peer", "/nonexistent/hf.json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 1);
  assert.equal(stderr, "/nonexistent/hf.json: cannot read the peer file (NotFound)");
});
