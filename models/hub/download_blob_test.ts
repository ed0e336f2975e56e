import assert from "node:assert/strict";
import { diskError } from "./download_blob.ts";
import { HubError } from "./hub_error.ts";

Deno.test("a full disk becomes a disk-full HubError that says what to do", () => {
  const full = Object.assign(new Error("No space left on device (os error 28)"), {
    code: "ENOSPC",
  });
  const error = diskError(full, "/cache/blobs/x.incomplete");
  assert.ok(error instanceof HubError);
  assert.equal(error.kind, "disk-full");
  assert.match(error.message, /disk full writing \/cache\/blobs\/x\.incomplete.*HF_HUB_CACHE/);
  const other = new Error("permission denied");
  assert.equal(diskError(other, "/x"), other);
});
