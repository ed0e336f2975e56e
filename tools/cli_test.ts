import assert from "node:assert/strict";
import { sharedSkip, stories260K } from "../testdata/fixtures.ts";

const ignore = sharedSkip !== "";
const tools = new URL(".", import.meta.url).pathname;

async function run(script: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${tools}${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)!;
}

Deno.test({
  name: `generate --json ends with one object holding ids, text, experts and timings${sharedSkip}`,
  ignore,
  fn: async () => {
    const { code, stdout } = await run("generate.ts", [
      "--model",
      stories260K,
      "--prompt-ids",
      "1,403,407,261,378",
      "--density",
      "0.5",
      "--max-new-tokens",
      "12",
      "--greedy",
      "--json",
    ]);
    assert.equal(code, 0);
    const out = JSON.parse(lastLine(stdout));
    assert.deepEqual(out.prompt_ids, [1, 403, 407, 261, 378]);
    assert.equal(out.output_ids.length, 12);
    assert.equal(typeof out.text, "string");
    assert.equal(out.experts.length, 5);
    assert.equal(out.experts[0].length, 86);
    assert.ok(out.timings.prompt_ms > 0);
    assert.equal(typeof out.timings.tokens_per_second, "number");
  },
});

Deno.test({
  name: `generate reproduces the fixture's known text from a prompt with --bos${sharedSkip}`,
  ignore,
  fn: async () => {
    const { code, stdout } = await run("generate.ts", [
      "--model",
      stories260K,
      "--prompt",
      "Once upon a time",
      "--bos",
      "--max-new-tokens",
      "20",
      "--json",
    ]);
    assert.equal(code, 0);
    const out = JSON.parse(lastLine(stdout));
    assert.equal(out.experts, null);
    assert.ok(out.text.startsWith(", there was a little girl named Lily."), out.text);
  },
});

Deno.test({
  name: `score --json ends with one object holding loglikelihood, logprobs and greedy${sharedSkip}`,
  ignore,
  fn: async () => {
    const { code, stdout } = await run("score.ts", [
      "--model",
      stories260K,
      "--context-ids",
      "1,403,407,261,378",
      "--continuation-ids",
      "432,383,286",
      "--mode",
      "gen",
      "--density",
      "1",
      "--json",
    ]);
    assert.equal(code, 0);
    const out = JSON.parse(lastLine(stdout));
    assert.equal(out.logprobs.length, 3);
    assert.ok(
      Math.abs(out.loglikelihood - out.logprobs.reduce((a: number, b: number) => a + b)) < 1e-9,
    );
    assert.equal(out.greedy, true);
  },
});

Deno.test("bad input exits with code 2 and one line naming the problem", async () => {
  const cases: [string, string[], RegExp][] = [
    [
      "generate.ts",
      ["--model", "synthetic:tiny", "--prompt-ids", "1,2", "--density", "1.5"],
      /--density: 1.5/,
    ],
    [
      "generate.ts",
      ["--model", "synthetic:tiny", "--prompt-ids", "1,x"],
      /--prompt-ids: "x" is not a number/,
    ],
    [
      "generate.ts",
      ["--model", "synthetic:huge", "--prompt-ids", "1"],
      /synthetic:huge is not a known shape/,
    ],
    [
      "generate.ts",
      ["--model", "synthetic:tiny", "--prompt-ids", "1", "--method", "best"],
      /--method: "best"/,
    ],
    [
      "generate.ts",
      ["--model", "/no/such/folder", "--prompt", "x"],
      /\/no\/such\/folder\/config.json/,
    ],
    ["generate.ts", [
      "--model",
      "synthetic:tiny",
      "--prompt-ids",
      "1",
      "--greedy",
      "--top-p",
      "0.9",
    ], /--greedy excludes/],
    ["generate.ts", ["--model", "synthetic:tiny", "--prompt-ids", "9999"], /token id 9999/],
    [
      "generate.ts",
      ["--model", "synthetic:tiny", "--prompt-ids", "1", "--desnity", "0.5"],
      /unknown flag --desnity \(did you mean --density\?\)/,
    ],
    ["score.ts", [
      "--model",
      "synthetic:tiny",
      "--context-ids",
      "1",
      "--continuation-ids",
      "2",
      "--mode",
      "both",
    ], /--mode: "both"/],
    [
      "score.ts",
      ["--model", "synthetic:tiny", "--context", "a"],
      /--context and --continuation go together/,
    ],
  ];
  for (const [script, args, pattern] of cases) {
    const { code, stderr } = await run(script, args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, pattern);
    assert.doesNotMatch(stderr, /\n\s+at /);
  }
});

Deno.test("synthetic models generate from ids with no files at all", async () => {
  const { code, stdout } = await run("generate.ts", [
    "--model",
    "synthetic:tiny",
    "--prompt",
    "hello",
    "--density",
    "0.5",
    "--method",
    "sample",
    "--seed",
    "3",
    "--max-new-tokens",
    "5",
    "--json",
  ]);
  assert.equal(code, 0);
  const out = JSON.parse(lastLine(stdout));
  assert.equal(out.output_ids.length, 5);
  assert.equal(out.experts[0].length, 86);
});
