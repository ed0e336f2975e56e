import assert from "node:assert/strict";
import { batchUnion, overlap } from "./batch_union.ts";
import { createSyntheticModel } from "../models/synthetic.ts";
import { librarySkip } from "../testdata/fixtures.ts";

Deno.test("overlap counts b's members found in a, over a's size", () => {
  assert.equal(overlap(new Int32Array([1, 2, 3, 4]), new Int32Array([3, 4, 5, 6])), 0.5);
  assert.equal(overlap(new Int32Array([7, 8]), new Int32Array([8, 7])), 1);
  assert.equal(overlap(new Int32Array([7, 8]), new Int32Array([9])), 0);
});

Deno.test({
  name:
    `a batch's union of experts: half the FF width for one sequence, more for three${librarySkip}`,
  ignore: librarySkip !== "",
  fn: () => {
    const model = createSyntheticModel("tiny", { device: -1, seed: 0 });
    try {
      const half = Math.ceil(0.5 * model.config.ffSize) / model.config.ffSize;
      const one = batchUnion(model, 1, 24);
      assert.equal(one.union.length, model.config.layers);
      for (const f of one.union) assert.ok(Math.abs(f - half) < 0.01, `one sequence: ${f}`);
      assert.equal(one.firstLayerOverlap, 1);
      const three = batchUnion(model, 3, 24);
      for (let l = 0; l < model.config.layers; l++) {
        assert.ok(
          three.union[l] > one.union[l] && three.union[l] <= 1,
          `layer ${l}: ${three.union[l]}`,
        );
      }
      assert.ok(three.firstLayerOverlap > 0 && three.firstLayerOverlap < 1);
    } finally {
      model.close();
    }
  },
});
