import assert from "node:assert/strict";

const script = new URL("./requests.ts", import.meta.url).pathname;
const fixture = (name: string) => new URL(`../testdata/tasks/${name}`, import.meta.url).pathname;

async function requests(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

Deno.test("requests --json prints one object per choice, in choice order, with the 0-based doc", async () => {
  const { code, stdout } = await requests(["boolq", "--path", fixture("boolq.jsonl"), "--json"]);
  assert.equal(code, 0);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
  const ctx1 = "Desert -- Rain seldom falls.\n\nQuestion: does it rain in the desert??\nAnswer:";
  assert.deepEqual(lines.slice(2), [
    { doc: "1", context: ctx1, continuation: " yes" },
    { doc: "1", context: ctx1, continuation: " no" },
  ]);
  assert.deepEqual(Object.keys(lines[0]), ["doc", "context", "continuation"]);
});

Deno.test("requests lists CoQA's generation requests with their stop strings, and honours --limit and --shots", async () => {
  const { code, stdout } = await requests([
    "coqa",
    "--path",
    fixture("coqa.jsonl"),
    "--json",
    "--limit",
    "1",
  ]);
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), {
    doc: "0",
    context:
      "Lily had a white cat.\n\n\nQ: Who had a cat?\n\nA: Lily\n\nQ: What colour was it?\n\nA:",
    until: ["\nQ:"],
  });
  const shots = await requests(["piqa", "--path", fixture("piqa.jsonl"), "--shots", "1", "--json"]);
  assert.match(
    JSON.parse(shots.stdout.split("\n")[0]).context,
    /^Question: dresser\nAnswer: finish/,
  );
});

Deno.test("without --json the listing names the rendering and quotes every string", async () => {
  const { code, stdout } = await requests([
    "piqa",
    "--path",
    fixture("piqa.jsonl"),
    "--limit",
    "1",
  ]);
  assert.equal(code, 0);
  assert.match(stdout, /^# piqa: 2 requests; rendering: lm-evaluation-harness v0\.3/);
  assert.match(
    stdout,
    /doc 0, request 2 of 2\n {2}context: {6}"Question: How do I dry wet shoes\?\\nAnswer:"\n {2}continuation: " {2}Put them in the oven\. "/,
  );
});

Deno.test("an unknown task, a missing file or a row lacking a field exits 2 with one line", async () => {
  const unknown = await requests(["piqq"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^error: Unknown task "piqq"\. Did you mean "piqa"\?.*\n$/);
  const missing = await requests(["piqa", "--path", "/nonexistent/piqa.jsonl"]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /^error: Data file of task "piqa" not found at \/nonexistent\/piqa\.jsonl\..*\n$/,
  );
  const lacking = await requests(["piqa", "--path", fixture("copa.jsonl"), "--format", "dataset"]);
  assert.equal(lacking.code, 2);
  assert.equal(
    lacking.stderr,
    `error: task "piqa", file ${fixture("copa.jsonl")}, row 0: field "goal" is missing.\n`,
  );
  const flag = await requests(["piqa", "--limt", "2"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown flag --limt \(did you mean --limit\?\)/);
});
