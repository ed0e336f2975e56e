import assert from "node:assert/strict";
import { writeFolder } from "./load_speed.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import { loadModelFolder } from "../models/load.ts";
import { librarySkip } from "../testdata/fixtures.ts";

Deno.test({
  name: `the load benchmark's sharded bf16 folder loads and runs${librarySkip}`,
  ignore: librarySkip !== "",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const shape = { ...SYNTHETIC_SHAPES.tiny, tiedEmbeddings: false, dtype: "bf16" as const };
      const bytes = writeFolder(dir, shape, 3);
      assert.ok(bytes > 2 * 4 * 64 * 172 * 3);
      const { model, config } = loadModelFolder(dir, { device: -1, dtype: "bf16" });
      assert.equal(config.engine.layers, 4);
      assert.equal(config.checkpointDtype, "bf16");
      model.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
