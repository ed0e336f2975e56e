import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startFakeHub } from "../models/hub/testing/fake_hub.ts";
import { loadCoqa } from "../tasks/formats/coqa.ts";
import { loadChoices } from "../tasks/formats/multiple_choice.ts";
import {
  ARC_ROWS,
  BOOLQ_ROWS,
  COPA_ROWS,
  COQA_ROWS,
  datasetRepos,
  HELLASWAG_ROWS,
  XSUM_TEXT,
} from "./data/testing/fixture_datasets.ts";

const script = new URL("./data.ts", import.meta.url).pathname;

async function data(args: string[], env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, ...args],
    env: { HF_TOKEN: "", HF_HUB_OFFLINE: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

function jsonl(path: string): unknown[] {
  return Deno.readTextFileSync(path).trim().split("\n").map((l) => JSON.parse(l));
}

function sha256(path: string): string {
  return createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
}

Deno.test("data fetch writes the datasets' own rows where tasks look, with a manifest; offline it serves the cache", async () => {
  const hub = startFakeHub(datasetRepos(), {
    "xsum_data/xsum_1shot.jsonl": new TextEncoder().encode(XSUM_TEXT),
  });
  const dir = await Deno.makeTempDir({ prefix: "data-fetch-" });
  try {
    hub.cut.set("/files/xsum_data/xsum_1shot.jsonl", 1);
    const env = {
      HF_ENDPOINT: hub.endpoint,
      HF_HUB_CACHE: `${dir}/hub`,
      HF_HOME: dir,
      GRIFFIN_DATA: `${dir}/data`,
      GRIFFIN_PAPER_DATA_URL: `${hub.lfsOrigin}/files`,
    };
    const r = await data(["fetch", "boolq", "copa", "ai2_arc", "hellaswag", "coqa", "xsum"], env);
    assert.equal(r.code, 0, r.stderr);
    const mc = `${dir}/data/tasks/mc`;
    assert.deepEqual(jsonl(`${mc}/boolq.jsonl`), BOOLQ_ROWS);
    assert.deepEqual(Object.keys(jsonl(`${mc}/boolq.jsonl`)[0] as object), [
      "question",
      "passage",
      "idx",
      "label",
    ]);
    assert.deepEqual(jsonl(`${mc}/copa.jsonl`), COPA_ROWS);
    assert.deepEqual(jsonl(`${mc}/arc_easy.jsonl`), ARC_ROWS);
    assert.equal((jsonl(`${mc}/arc_challenge.jsonl`)[0] as { id: string }).id, "c1");
    assert.deepEqual(jsonl(`${mc}/hellaswag.jsonl`), HELLASWAG_ROWS);
    assert.deepEqual(jsonl(`${dir}/data/tasks/coqa/coqa-dev-v1.0.json`), COQA_ROWS);
    const xsum = `${dir}/data/tasks/xsum/xsum_1shot.jsonl`;
    assert.equal(Deno.readTextFileSync(xsum), XSUM_TEXT);
    // The task loaders read these files as the datasets' own rows (the paper's rendering).
    const boolq = await loadChoices(`${mc}/boolq.jsonl`, {
      task: "boolq",
      delimiter: "\nAnswer: ",
      shots: 0,
      seed: 1234,
    });
    assert.equal(
      boolq.docs[0].contexts[0],
      "The sky is blue.\nQuestion: is the sky blue?\nAnswer:",
    );
    assert.deepEqual(boolq.docs.map((d) => d.gold), [0, 1]);
    const copa = await loadChoices(`${mc}/copa.jsonl`, {
      task: "copa",
      delimiter: " ",
      shots: 0,
      seed: 1234,
    });
    assert.deepEqual(copa.docs[0].continuations, [
      " the toilet filled with water.",
      " water flowed from the spout.",
    ]);
    const coqa = await loadCoqa(`${dir}/data/tasks/coqa/coqa-dev-v1.0.json`, {
      task: "coqa",
      shots: 0,
      seed: 1234,
    });
    assert.deepEqual(coqa.docs[0].golds, ["Vatican", "the Vatican"]);
    const ranged = hub.log.filter((q) => q.path.startsWith("/files/") && q.range !== null);
    assert.equal(ranged.length, 1);
    const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/data/manifest.json`));
    for (
      const file of [
        "tasks/mc/boolq.jsonl",
        "tasks/mc/hellaswag.jsonl",
        "tasks/xsum/xsum_1shot.jsonl",
      ]
    ) {
      assert.equal(manifest.files[file].sha256, sha256(`${dir}/data/${file}`));
    }
    assert.equal(manifest.files["tasks/mc/boolq.jsonl"].source.repo, "aps/super_glue");
    assert.equal(
      manifest.files["tasks/mc/hellaswag.jsonl"].source.revision,
      "refs/convert/parquet",
    );
    assert.match(manifest.files["tasks/mc/boolq.jsonl"].source.commit, /^[0-9a-f]{40}$/);
    await Deno.stat(`${dir}/hub/datasets--aps--super_glue/refs/main`);
    await Deno.stat(`${dir}/hub/datasets--hellaswag/refs/refs/convert/parquet`);
    assert.ok(hub.log.every((q) => q.server === "hub" || q.authorization === null));
    const list = await data(["list"], env);
    assert.equal(list.code, 0);
    assert.match(
      list.stdout,
      /boolq\s+tasks\/mc\/boolq\.jsonl\s+2 rows, sha256 [0-9a-f]{12}, from aps\/super_glue@/,
    );
    assert.match(list.stdout, /piqa\s+tasks\/mc\/piqa\.jsonl\s+missing/);

    await hub.close();
    await Deno.remove(`${dir}/data`, { recursive: true });
    const offline = await data(["fetch", "boolq", "hellaswag"], { ...env, HF_HUB_OFFLINE: "1" });
    assert.equal(offline.code, 0, offline.stderr);
    assert.deepEqual(jsonl(`${mc}/boolq.jsonl`), BOOLQ_ROWS);
    const missing = await data(["fetch", "piqa"], { ...env, HF_HUB_OFFLINE: "1" });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /piqa.*HF_HUB_OFFLINE=1/);
    const unknown = await data(["fetch", "boolk"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown task "boolk"/);
  } finally {
    await hub.close().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data fetch names a dataset the Hub does not have, exit 2", async () => {
  const hub = startFakeHub([]);
  const dir = await Deno.makeTempDir({ prefix: "data-fetch-" });
  try {
    const r = await data(["fetch", "winogrande"], {
      HF_ENDPOINT: hub.endpoint,
      HF_HUB_CACHE: `${dir}/hub`,
      GRIFFIN_DATA: `${dir}/data`,
    });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /winogrande or allenai\/winogrande/);
  } finally {
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
