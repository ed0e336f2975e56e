import assert from "node:assert/strict";
import { SYNTHETIC_SHAPES } from "../models/synthetic.ts";
import {
  decodeBytesPerToken,
  deviceBandwidth,
  rooflinePercent,
  rooflineSpeedup,
} from "./roofline.ts";

const llama7b = SYNTHETIC_SHAPES["llama2-7b"];

Deno.test("decode bytes of Llama-2-7B in bf16 match GRIFFIN.md: about 13.2 GB full and 8.9 GB at 0.5", () => {
  assert.ok(Math.abs(decodeBytesPerToken(llama7b, 2, 1) / 1e9 - 13.2) < 0.3);
  assert.ok(Math.abs(decodeBytesPerToken(llama7b, 2, 0.5) / 1e9 - 8.9) < 0.3);
});

Deno.test("the roofline speed-up at density 0.5 on Llama-2-7B is about 1.49 and 1 at full density", () => {
  assert.ok(Math.abs(rooflineSpeedup(llama7b, 0.5) - 1.49) < 0.02);
  assert.equal(rooflineSpeedup(llama7b, 1), 1);
});

Deno.test("device bandwidth is known for an H200 and an H100 PCIe, not for a CPU", () => {
  assert.equal(deviceBandwidth("NVIDIA H200"), 4.8e12);
  assert.equal(deviceBandwidth("NVIDIA H100 PCIe"), 2.0e12);
  assert.equal(deviceBandwidth("AMD EPYC 9654"), undefined);
});

Deno.test("roofline percent is tokens/s times bytes over bandwidth, undefined without a known device or dtype", () => {
  const bytes = decodeBytesPerToken(llama7b, 2, 1);
  const atPeak = 4.8e12 / bytes;
  assert.ok(Math.abs(rooflinePercent(atPeak / 2, llama7b, "bf16", 1, "NVIDIA H200")! - 50) < 1e-9);
  assert.equal(rooflinePercent(100, llama7b, "bf16", 1, "AMD EPYC"), undefined);
  assert.equal(rooflinePercent(100, llama7b, undefined, 1, "NVIDIA H200"), undefined);
});
