import assert from "node:assert/strict";
import { startFakeHub } from "../models/hub/testing/fake_hub.ts";
import { fixtureRepos } from "../models/hub/testing/fixture_repos.ts";
import { RECORDS_FILE } from "./records.ts";

const root = new URL("../", import.meta.url).pathname;

async function bench(args: string[], env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${root}bench/main.ts`, ...args],
    env: { HF_TOKEN: "", HF_HUB_OFFLINE: "", NO_COLOR: "1", ...env },
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, out: text(stdout) + text(stderr) };
}

async function jobLines(dir: string) {
  const text = await Deno.readTextFile(`${dir}/${RECORDS_FILE}`);
  return text.trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.type === "job");
}

Deno.test("a sweep file naming a Hub id runs online, then offline from the cache; records name repo and commit", async () => {
  const hub = startFakeHub(fixtureRepos());
  const dir = await Deno.makeTempDir({ prefix: "hub-sweep-" });
  try {
    const sweep = `${dir}/hub.jsonc`;
    await Deno.writeTextFile(
      sweep,
      JSON.stringify({
        name: "hub",
        models: ["test-org/mini-llama"],
        densities: [1, 0.5],
        tasks: [{
          name: "continuation",
          path: `${root}models/griffin-mini-llama/continuation.jsonl`,
          limit: 2,
          maxNewTokens: 4,
        }],
      }),
    );
    const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: `${dir}/hub`, HF_HOME: dir };
    const dry = await bench([sweep, "--cpu", "--plain", "--dry-run"], env);
    assert.equal(dry.code, 0, dry.out);
    assert.equal(hub.log.length, 0, "a dry run does not download");
    const online = await bench([sweep, "--cpu", "--plain", "--out", `${dir}/online`], env);
    assert.equal(online.code, 0, online.out);
    const jobs = await jobLines(`${dir}/online`);
    assert.equal(jobs.length, 2);
    for (const job of jobs) {
      assert.equal(job.status, "ok", job.error);
      assert.equal(job.model.id, "test-org/mini-llama");
      assert.equal(job.model.label, "mini-llama");
      assert.equal(job.model.repo, "test-org/mini-llama");
      assert.match(job.model.commit, /^[0-9a-f]{40}$/);
    }
    // The report names the commit and reads the model's shape from the cached snapshot.
    const html = await Deno.readTextFile(`${dir}/online/report.html`);
    assert.ok(html.includes(`test-org/mini-llama</code> @ ${jobs[0].model.commit.slice(0, 12)}`));
    await hub.close();
    const offline = await bench([sweep, "--cpu", "--plain", "--out", `${dir}/offline`], {
      ...env,
      HF_HUB_OFFLINE: "1",
    });
    assert.equal(offline.code, 0, offline.out);
    const again = await jobLines(`${dir}/offline`);
    assert.deepEqual(again.map((j) => j.metrics), jobs.map((j) => j.metrics));
    const missing = await bench([sweep, "--cpu", "--plain", "--out", `${dir}/none`], {
      ...env,
      HF_HUB_CACHE: `${dir}/empty`,
      HF_HUB_OFFLINE: "1",
    });
    assert.equal(missing.code, 2);
    assert.match(missing.out, /test-org\/mini-llama.*not in the Hugging Face cache/);
  } finally {
    await hub.close().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
