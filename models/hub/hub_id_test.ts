import assert from "node:assert/strict";
import { formatHubId, isHubModelId, parseHubId } from "./hub_id.ts";
import { fileExists as exists } from "../file_exists.ts";

Deno.test("Hub ids parse with and without a revision", () => {
  assert.deepEqual(parseHubId("meta-llama/Llama-2-7b-hf"), {
    name: "meta-llama/Llama-2-7b-hf",
    type: "model",
    revision: "main",
  });
  assert.equal(parseHubId("facebook/opt-6.7b@refs/pr/1")?.revision, "refs/pr/1");
  assert.equal(parseHubId("super_glue", "dataset")?.name, "super_glue");
  assert.equal(parseHubId("gpt2"), undefined);
  assert.equal(parseHubId("a/b/c"), undefined);
  assert.equal(parseHubId("a/b@"), undefined);
  assert.equal(formatHubId({ name: "a/b", type: "model", revision: "v1" }), "a/b@v1");
});

Deno.test("an existing path is a path, not a Hub id", () => {
  assert.ok(
    exists("models/griffin-mini-llama") ? !isHubModelId("models/griffin-mini-llama") : true,
  );
  assert.ok(isHubModelId("no-such-org/no-such-model"));
  assert.ok(!isHubModelId("synthetic:tiny"));
  assert.ok(!isHubModelId("./org/name"));
});
