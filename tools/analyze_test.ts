import assert from "node:assert/strict";
import { librarySkip } from "../testdata/fixtures.ts";

const ignore = librarySkip !== "";
const tool = new URL("./analyze.ts", import.meta.url).pathname;
const MODEL = new URL("../models/griffin-mini-llama", import.meta.url).pathname;

async function analyze(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", tool, "--model", MODEL, "--device", "cpu", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

Deno.test({
  name:
    `analyze --json gives every layer's energy kept, magnitude overlap and top neurons${librarySkip}`,
  ignore,
  fn: async () => {
    const { code, stdout } = await analyze([
      "--prompt",
      "The river rose all night and by morning the bridge was gone.",
      "--density",
      "0.25",
      "--top",
      "4",
      "--json",
    ]);
    assert.equal(code, 0);
    const out = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(out.ff_size, 688);
    assert.equal(out.layers.length, 7);
    for (const layer of out.layers) {
      assert.equal(layer.k, 172);
      // top-k keeps at least its share of the energy; the overlap is a fraction
      assert.ok(layer.energy_kept >= 0.25 && layer.energy_kept <= 1, `${layer.energy_kept}`);
      assert.ok(layer.magnitude_jaccard >= 0 && layer.magnitude_jaccard <= 1);
      assert.ok(Math.abs(layer.random_jaccard - 0.14316) < 1e-4);
      const scores = layer.top_neurons.map((n: { score: number }) => n.score);
      assert.equal(scores.length, 4);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    }
  },
});

Deno.test({
  name: `analyze prints a table by default and refuses density 1 with exit code 2${librarySkip}`,
  ignore,
  fn: async () => {
    const table = await analyze(["--prompt-ids", "5,6,7,8,9"]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /topk at density 0\.5/);
    assert.equal(table.stdout.trim().split("\n").length, 2 + 7);
    const full = await analyze(["--prompt-ids", "5,6,7", "--density", "1"]);
    assert.equal(full.code, 2);
    assert.match(full.stderr, /density below 1/);
    const none = await analyze([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /exactly one of --prompt/);
  },
});
