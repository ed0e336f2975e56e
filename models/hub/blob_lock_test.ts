import assert from "node:assert/strict";
import { withBlobLock } from "./blob_lock.ts";

Deno.test("two holders of one blob's lock take turns, at huggingface_hub's lock path", async () => {
  const dir = await Deno.makeTempDir();
  const repo = { name: "org/name", type: "model" as const, revision: "main" };
  const events: string[] = [];
  const hold = (name: string) =>
    withBlobLock(dir, repo, "abc", async () => {
      events.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 50));
      events.push(`${name} out`);
    });
  await Promise.all([hold("a"), hold("b")]);
  // Whichever comes first, the two never overlap.
  const first = events[0].split(" ")[0], second = first === "a" ? "b" : "a";
  assert.deepEqual(events, [`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
  assert.ok(Deno.statSync(`${dir}/.locks/models--org--name/abc.lock`).isFile);
  await Deno.remove(dir, { recursive: true });
});
