import assert from "node:assert/strict";
import { startFakeHub } from "../models/hub/testing/fake_hub.ts";
import { fixtureRepos } from "../models/hub/testing/fixture_repos.ts";

const tools = new URL(".", import.meta.url).pathname;

async function generate(args: string[], env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${tools}generate.ts`, ...args],
    env: { HF_TOKEN: "", HF_HUB_OFFLINE: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

const ARGS = ["--prompt", "Once upon a time", "--max-new-tokens", "6", "--greedy", "--json"];

Deno.test("generate --model ORG/NAME downloads from the Hub, then runs offline from the cache", async () => {
  const hub = startFakeHub(fixtureRepos());
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cli-" });
  try {
    const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir, HF_HOME: cacheDir };
    const online = await generate(
      ["--model", "test-org/mini-llama", "--device", "cpu", ...ARGS],
      env,
    );
    assert.equal(online.code, 0, online.stderr);
    const first = JSON.parse(online.stdout.trim().split("\n").at(-1)!);
    assert.equal(first.model, "test-org/mini-llama");
    assert.equal(first.repo, "test-org/mini-llama");
    assert.match(first.commit, /^[0-9a-f]{40}$/);
    assert.equal(first.output_ids.length, 6);
    await hub.close();
    const offline = await generate(["--model", "test-org/mini-llama", "--device", "cpu", ...ARGS], {
      ...env,
      HF_HUB_OFFLINE: "1",
    });
    assert.equal(offline.code, 0, offline.stderr);
    const second = JSON.parse(offline.stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(second.output_ids, first.output_ids);
    const absent = await generate(["--model", "test-org/other", "--device", "cpu", ...ARGS], {
      ...env,
      HF_HUB_OFFLINE: "1",
    });
    assert.equal(absent.code, 2);
    assert.equal(absent.stderr.trim().split("\n").length, 1);
    assert.match(absent.stderr, /test-org\/other.*HF_HUB_OFFLINE/);
  } finally {
    await hub.close().catch(() => {});
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("generate names a missing repository, a gated one and a missing revision in one line, exit 2", async () => {
  const hub = startFakeHub(fixtureRepos());
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cli-" });
  try {
    const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir, HF_HOME: cacheDir };
    const cases: [string, RegExp][] = [
      ["test-org/absent", /not found/],
      ["test-org/gated", /HF_TOKEN.*licence/],
      ["test-org/mini-llama@v9", /revision "v9" not found/],
      ["test-org/no-weights", /model\.safetensors/],
    ];
    for (const [id, pattern] of cases) {
      const r = await generate(["--model", id, "--device", "cpu", ...ARGS], env);
      assert.equal(r.code, 2, `${id}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
    }
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
