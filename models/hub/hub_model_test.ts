import assert from "node:assert/strict";
import { HubError } from "./hub_error.ts";
import { resolveHubModel } from "./hub_model.ts";
import { type HubSettings, hubSettings } from "./hub_settings.ts";
import { FAKE_TOKEN, type FakeHub, sha256, startFakeHub } from "./testing/fake_hub.ts";
import { fixtureRepos, miniLlamaFiles } from "./testing/fixture_repos.ts";

async function withHub(
  body: (hub: FakeHub, settings: HubSettings, cacheDir: string) => Promise<void>,
  token?: string,
): Promise<void> {
  const hub = startFakeHub(fixtureRepos());
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  const settings = hubSettings({
    cacheDir,
    endpoint: hub.endpoint,
    token,
    offline: false,
    progress: false,
  });
  try {
    await body(hub, settings, cacheDir);
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

const MINI = "test-org/mini-llama";

async function hubError(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error("expected a HubError");
}

Deno.test("a Hub model is downloaded into the huggingface_hub cache layout", async () => {
  await withHub(async (_hub, settings, cacheDir) => {
    const model = await resolveHubModel(MINI, settings);
    const repoDir = `${cacheDir}/models--test-org--mini-llama`;
    const commit = await Deno.readTextFile(`${repoDir}/refs/main`);
    assert.match(commit, /^[0-9a-f]{40}$/);
    assert.equal(model.commit, commit);
    assert.equal(model.folder, `${repoDir}/snapshots/${commit}`);
    const weights = miniLlamaFiles()["model.safetensors"].bytes;
    const link = await Deno.readLink(`${model.folder}/model.safetensors`);
    assert.equal(link, `../../blobs/${sha256(weights)}`);
    assert.deepEqual(await Deno.readFile(`${model.folder}/model.safetensors`), weights);
    const configLink = await Deno.readLink(`${model.folder}/config.json`);
    assert.match(configLink, /^\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
    const names = [...Deno.readDirSync(model.folder)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    const blobs = [...Deno.readDirSync(`${repoDir}/blobs`)].map((e) => e.name);
    assert.ok(blobs.every((b) => !b.endsWith(".incomplete")));
  });
});

Deno.test("the token goes to the Hub and never to the LFS store", async () => {
  await withHub(async (hub, settings) => {
    await resolveHubModel("test-org/gated", settings);
    const lfs = hub.log.filter((r) => r.server === "lfs");
    assert.ok(lfs.length >= 2);
    assert.ok(lfs.every((r) => r.authorization === null));
    const api = hub.log.filter((r) => r.server === "hub");
    assert.ok(api.every((r) => r.authorization === `Bearer ${FAKE_TOKEN}`));
  }, FAKE_TOKEN);
});

Deno.test("a sharded model brings its index and every shard, nothing else", async () => {
  await withHub(async (hub, settings) => {
    const model = await resolveHubModel("test-org/sharded", settings);
    const names = [...Deno.readDirSync(model.folder)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
    ]);
    assert.ok(!hub.log.some((r) => r.path.endsWith("pytorch_model.bin")));
  });
});

Deno.test("offline, a cached model resolves without a request and a missing one is an error", async () => {
  await withHub(async (hub, settings) => {
    const online = await resolveHubModel(`${MINI}@v1`, settings);
    const requests = hub.log.length;
    const offline = { ...settings, offline: true };
    const cached = await resolveHubModel(`${MINI}@v1`, offline);
    assert.equal(cached.folder, online.folder);
    assert.equal(cached.commit, online.commit);
    assert.equal(hub.log.length, requests);
    const error = await hubError(resolveHubModel("test-org/sharded", offline));
    assert.equal(error.kind, "offline");
    assert.match(error.message, /HF_HUB_OFFLINE=1/);
    assert.equal(hub.log.length, requests);
  });
});

Deno.test("a cached commit is served again without downloading a byte", async () => {
  await withHub(async (hub, settings) => {
    await resolveHubModel(MINI, settings);
    const before = hub.log.length;
    await resolveHubModel(MINI, settings);
    const after = hub.log.slice(before);
    assert.deepEqual(after.map((r) => r.path), [`/api/models/${MINI}/revision/main`]);
  });
});

Deno.test("Hub errors are one-line HubErrors of the right kind", async () => {
  await withHub(async (_hub, settings) => {
    const missing = await hubError(resolveHubModel("test-org/absent", settings));
    assert.equal(missing.kind, "repo-not-found");
    assert.match(missing.message, /test-org\/absent/);
    const gated = await hubError(resolveHubModel("test-org/gated", settings));
    assert.equal(gated.kind, "gated");
    assert.match(gated.message, /HF_TOKEN/);
    assert.match(gated.message, /licence/);
    const hidden = await hubError(resolveHubModel("test-org/private", settings));
    assert.equal(hidden.kind, "repo-not-found");
    assert.match(hidden.message, /HF_TOKEN/);
    const revision = await hubError(resolveHubModel(`${MINI}@v9`, settings));
    assert.equal(revision.kind, "revision-not-found");
    assert.match(revision.message, /v9/);
    const noWeights = await hubError(resolveHubModel("test-org/no-weights", settings));
    assert.equal(noWeights.kind, "entry-not-found");
    assert.match(noWeights.message, /model\.safetensors/);
    for (const e of [missing, gated, hidden, revision, noWeights]) {
      assert.ok(!e.message.includes("\n"));
    }
  });
});

Deno.test("a transfer cut half-way is resumed with a Range request in the same run", async () => {
  await withHub(async (hub, settings) => {
    hub.cut.set("model.safetensors", 1);
    const model = await resolveHubModel(MINI, settings);
    const weights = miniLlamaFiles()["model.safetensors"].bytes;
    assert.deepEqual(await Deno.readFile(`${model.folder}/model.safetensors`), weights);
    const gets = hub.log.filter((r) => r.server === "lfs" && r.method === "GET");
    const ranged = gets.filter((r) => r.range !== null);
    assert.equal(ranged.length, 1);
    assert.match(ranged[0].range!, /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(ranged[0].range!)![0]) > 0);
  });
});

Deno.test("a partial file an earlier run left is resumed, and a failed run leaves no blob", async () => {
  await withHub(async (hub, settings, cacheDir) => {
    hub.cut.set("model.safetensors", 100);
    const error = await hubError(resolveHubModel(MINI, settings));
    assert.equal(error.kind, "network");
    const weights = miniLlamaFiles()["model.safetensors"].bytes;
    const blob = `${cacheDir}/models--test-org--mini-llama/blobs/${sha256(weights)}`;
    await assert.rejects(() => Deno.stat(blob));
    const partial = (await Deno.stat(`${blob}.incomplete`)).size;
    assert.ok(partial > 0 && partial < weights.length);
    hub.cut.clear();
    const before = hub.log.length;
    const model = await resolveHubModel(MINI, settings);
    assert.deepEqual(await Deno.readFile(`${model.folder}/model.safetensors`), weights);
    const get = hub.log.slice(before).find((r) => r.server === "lfs" && r.method === "GET");
    assert.equal(get?.range, `bytes=${partial}-`);
    await assert.rejects(() => Deno.stat(`${blob}.incomplete`));
  });
});

Deno.test("bytes that do not match the Hub's sha256 are refused and nothing is kept", async () => {
  await withHub(async (hub, settings, cacheDir) => {
    hub.corrupt.add("model.safetensors");
    const error = await hubError(resolveHubModel(MINI, settings));
    assert.equal(error.kind, "checksum");
    assert.match(error.message, /sha256/);
    const weights = miniLlamaFiles()["model.safetensors"].bytes;
    const blob = `${cacheDir}/models--test-org--mini-llama/blobs/${sha256(weights)}`;
    await assert.rejects(() => Deno.stat(blob));
    await assert.rejects(() => Deno.stat(`${blob}.incomplete`));
  });
});

Deno.test("a repository of a Python-made cache is read offline as it is", async () => {
  await withHub(async (_hub, settings, cacheDir) => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const repo = `${cacheDir}/models--org--py`;
    await Deno.mkdir(`${repo}/refs`, { recursive: true });
    await Deno.mkdir(`${repo}/blobs`, { recursive: true });
    await Deno.mkdir(`${repo}/snapshots/${commit}`, { recursive: true });
    await Deno.writeTextFile(`${repo}/refs/main`, commit);
    for (const [name, file] of Object.entries(miniLlamaFiles())) {
      const etag = sha256(file.bytes);
      await Deno.writeFile(`${repo}/blobs/${etag}`, file.bytes);
      await Deno.symlink(`../../blobs/${etag}`, `${repo}/snapshots/${commit}/${name}`);
    }
    const model = await resolveHubModel("org/py", { ...settings, offline: true });
    assert.equal(model.commit, commit);
    assert.equal(model.folder, `${repo}/snapshots/${commit}`);
  });
});

Deno.test("an endpoint that resolves branch names only is asked by the revision", async () => {
  await withHub(async (_hub, settings) => {
    const model = await resolveHubModel("test-org/branches-only", settings);
    assert.ok(Deno.statSync(`${model.folder}/model.safetensors`).isFile);
  });
});

Deno.test("a transfer that stalls half-way is cut after the stall time and resumed", async () => {
  await withHub(async (hub, settings) => {
    hub.stall.set("model.safetensors", 1);
    const model = await resolveHubModel(MINI, { ...settings, stallMs: 1000 });
    const weights = miniLlamaFiles()["model.safetensors"].bytes;
    assert.deepEqual(await Deno.readFile(`${model.folder}/model.safetensors`), weights);
    // At least one resume (a loaded machine may stall a healthy transfer too).
    const ranged = hub.log.filter((r) => r.server === "lfs" && r.range !== null);
    assert.ok(ranged.length >= 1);
  });
});
