import assert from "node:assert/strict";
import { loadTextWindows } from "./text_windows.ts";
import { sharedFile, tempFile } from "./_shared.ts";
import { fakeModel } from "../testing/fake_model.ts";

Deno.test("text is cut into whole windows with a prompt part and a scored part", async () => {
  const m = fakeModel();
  const path = await tempFile("t.txt", "abcdefghijklmnopqrstuvwxy"); // 25 byte tokens
  const windows = await loadTextWindows(m, path, 10, 4);
  assert.equal(windows.length, 3); // 0-9, 10-19, 20-24 (5 > 4 prompt tokens)
  assert.equal(m.decode(windows[0].promptIds), "abcd");
  assert.equal(m.decode(windows[0].scoredIds), "efghij");
  assert.equal(m.decode(windows[2].scoredIds), "y");
  assert.equal((await loadTextWindows(m, path, 10, 4, 2)).length, 2);
  await assert.rejects(
    async () => loadTextWindows(m, await tempFile("e.txt", " \n"), 10, 4),
    /empty/,
  );
});

Deno.test("a limit reads a prefix that gives the same first windows as the whole text", async () => {
  const m = fakeModel();
  const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
  const path = await tempFile("long.txt", text);
  const all = await loadTextWindows(m, path, 16, 8);
  const some = await loadTextWindows(m, path, 16, 8, 3);
  assert.deepEqual(some, all.slice(0, 3));
});

const wiki = sharedFile("tasks/text/wikitext2_test.txt");
Deno.test({
  name: `the shared WikiText-2 file gives windows${
    wiki ? "" : " (skipped: ../shared/data absent)"
  }`,
  ignore: !wiki,
  fn: async () => {
    const windows = await loadTextWindows(fakeModel(), wiki!, 64, 32, 5);
    assert.equal(windows.length, 5);
    assert.ok(windows.every((w) => w.promptIds.length === 32 && w.scoredIds.length === 32));
  },
});
