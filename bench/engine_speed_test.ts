import assert from "node:assert/strict";
import {
  bytesCeiling,
  bytesPerToken,
  decodingPath,
  idsHash,
  middle,
  parseDensities,
} from "./engine_speed.ts";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import { parameterCount } from "../ffi/config.ts";

const llama7b = SYNTHETIC_SHAPES["llama2-7b"];

Deno.test("a decoding step at density 1 reads every bf16 weight once but the embedding table", () => {
  const bytes = bytesPerToken(llama7b, 1, 0);
  // every parameter in bf16, but of the embeddings only one row (not counted); the norms are
  // kept in fp32 (4 bytes instead of 2)
  const embeddings = llama7b.vocabSize * llama7b.hiddenSize;
  const norms = (2 * llama7b.layers + 1) * llama7b.hiddenSize;
  assert.equal(bytes, 2 * (parameterCount(llama7b) - embeddings) + 2 * norms);
  assert.ok(Math.abs(bytes / 1e9 - 13.2) < 0.05); // GRIFFIN.md: about 13.2 GB
});

Deno.test("GRIFFIN reads only the kept share of the FF weights, and the KV cache grows with position", () => {
  const full = bytesPerToken(llama7b, 1, 0), half = bytesPerToken(llama7b, 0.5, 0);
  const ff = 3 * llama7b.hiddenSize * llama7b.ffSize * 2 * llama7b.layers;
  assert.equal(full - half, ff / 2);
  assert.ok(Math.abs(full / half - 1.49) < 0.02); // GRIFFIN.md: 1.49x is the ceiling at 0.5
  const kvPerPosition = 2 * llama7b.layers * llama7b.kvHeads * llama7b.headDim * 2;
  assert.equal(bytesPerToken(llama7b, 1, 100) - full, 100 * kvPerPosition);
});

Deno.test("the table's prompt figure is the median of its runs", () => {
  const runs = [17.9, 15.7, 16.1, 40.2, 15.9];
  assert.equal(middle(runs), 16.1);
  assert.deepEqual(runs, [17.9, 15.7, 16.1, 40.2, 15.9]); // left in order
  assert.equal(middle([3]), 3);
});

Deno.test("the output hash tells outputs apart and ignores nothing", () => {
  assert.equal(idsHash([1, 2, 3]), idsHash([1, 2, 3]));
  assert.notEqual(idsHash([1, 2, 3]), idsHash([1, 3, 2]));
  assert.notEqual(idsHash([1, 2, 3]), idsHash([1, 2, 3, 0]));
  assert.match(idsHash([]), /^[0-9a-f]{8}$/);
});

Deno.test("--densities takes densities in (0, 1] and names a bad entry", () => {
  assert.deepEqual(parseDensities("1,0.5"), [1, 0.5]);
  for (const bad of ["1,abc", "0", "1.5", "1,,0.5", "-0.5"]) {
    assert.throws(() => parseDensities(bad), /--densities: ".*" is not a density/);
  }
});

Deno.test("OPT reads two FF matrices and their kept biases, a position row, LayerNorm's biases", () => {
  const opt = SYNTHETIC_SHAPES["opt-6.7b"];
  const h = opt.hiddenSize, ff = opt.ffSize;
  const full = bytesPerToken(opt, 1, 0), half = bytesPerToken(opt, 0.5, 0);
  // the kept half of W_1 rows, W_2 columns (bf16) and b_1 (fp32), per layer
  assert.equal(full - half, opt.layers * ((2 * h * (ff / 2)) * 2 + (ff / 2) * 4));
  // attention and FF matrices in bf16; norms (weight and bias) and biases in fp32; the tied
  // head; one position row; the final LayerNorm
  const perLayer = (4 * h * h + 2 * h * ff) * 2 + (4 * h + 3 * h + h + ff + h) * 4;
  assert.equal(full, opt.layers * perLayer + opt.vocabSize * h * 2 + h * 2 + 2 * h * 4);
});

Deno.test("the bytes ceiling of the speed-up: Gemma 7B's wide FF and 256k head", () => {
  const gemma = SYNTHETIC_SHAPES["gemma-7b"];
  assert.equal(bytesCeiling(gemma, 1, 576), 1);
  const ceiling = bytesCeiling(gemma, 0.5, 576);
  // 28 layers × 3 × 3072 × 24576 FF weights of ≈ 8.5 G parameters; the 256k × 3072 head stays
  assert.ok(ceiling > 1.5 && ceiling < 1.7, `${ceiling}`);
  const mistral = { ...SYNTHETIC_SHAPES["mistral-7b"], slidingWindow: 64 };
  // a sliding window caps the KV cache a step reads
  assert.equal(bytesPerToken(mistral, 1, 1000), bytesPerToken(mistral, 1, 64));
});

Deno.test("the table names the GPU's decoding path as GRIFFIN_STEP_KERNEL picks it", () => {
  assert.match(decodingPath("1"), /one persistent launch/);
  assert.match(decodingPath("require"), /one persistent launch/);
  for (const off of [undefined, "0", "yes"]) assert.match(decodingPath(off), /graph of kernels/);
});
