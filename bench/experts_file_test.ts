import assert from "node:assert/strict";
import {
  type ActivationsEntry,
  encodeEntry,
  type ExpertsEntry,
  parseEntries,
} from "./experts_file.ts";

const experts: ExpertsEntry = {
  kind: "experts",
  jobId: "j1",
  attempt: 2,
  id: "17",
  ffSize: 20,
  sets: [new Uint8Array([1, 2, 3]), null, new Uint8Array([255, 0, 9])],
};
const activations: ActivationsEntry = {
  kind: "activations",
  jobId: "j1",
  attempt: 2,
  id: "17",
  tokens: ["Once", " upon"],
  layers: [{
    layer: 3,
    neurons: [5, 1, 9],
    rows: 2,
    values: Float32Array.of(1, -0.5, 0.25, 0, 2, 3),
  }],
};

Deno.test("side-file entries read back as written, with their offsets", () => {
  const a = encodeEntry(experts), b = encodeEntry(activations);
  const file = new Uint8Array([...a, ...b]);
  const parsed = parseEntries(file);
  assert.equal(parsed.torn, false);
  assert.equal(parsed.goodBytes, file.length);
  assert.deepEqual(parsed.entries.map((e) => e.offset), [0, a.length]);
  assert.deepEqual(parsed.entries[0].entry, experts);
  assert.deepEqual(parsed.entries[1].entry, activations);
});

Deno.test("a torn or damaged last frame stops reading and is reported", () => {
  const a = encodeEntry(experts), b = encodeEntry(activations);
  for (const cut of [1, 7, 12, b.length - 1]) {
    const parsed = parseEntries(new Uint8Array([...a, ...b.subarray(0, cut)]));
    assert.equal(parsed.entries.length, 1);
    assert.equal(parsed.goodBytes, a.length);
    assert.ok(parsed.torn);
  }
  const damaged = new Uint8Array([...a, ...b]);
  damaged[a.length + 20] ^= 0xff;
  assert.equal(parseEntries(damaged).entries.length, 1);
});
