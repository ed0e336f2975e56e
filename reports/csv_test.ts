import assert from "node:assert/strict";
import type { AggregateRow } from "./aggregate.ts";
import { csvCell, rowsToCsv } from "./csv.ts";

const row = (task: string, metric: string): AggregateRow => ({
  model: 'model, "quoted"',
  task,
  taskVersion: "1",
  mode: "gen",
  method: "topk",
  density: 0.5,
  device: "NVIDIA H200",
  jobs: 1,
  ok: 1,
  failed: 0,
  metrics: { [metric]: { value: 0.25, stderr: 0.01, higherIsBetter: true } },
  promptMs: 12,
  selectionMs: 1,
  decodeMsPerToken: null,
  tokensPerSecond: null,
  decodeSpeedup: null,
  promptSpeedup: null,
  rooflineSpeedup: 1.4,
  rooflinePercent: null,
});

Deno.test("CSV cells with commas, quotes or line breaks are quoted and quotes doubled", () => {
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('a,"b"'), '"a,""b"""');
  assert.equal(csvCell("two\nlines"), '"two\nlines"');
  assert.equal(csvCell(null), "");
});

Deno.test("CSV has a value and stderr column per metric, empty where a task lacks the metric", () => {
  const lines = rowsToCsv([row("xsum", "rouge1"), row("boolq", "acc")]).trimEnd().split("\r\n");
  const header = lines[0].split(",");
  assert.ok(
    header.includes("rouge1") && header.includes("rouge1_stderr") && header.includes("acc"),
  );
  assert.equal(lines.length, 3);
  const cells = lines[2].replace('"model, ""quoted"""', "M").split(",");
  assert.equal(cells[header.indexOf("rouge1")], "");
  assert.equal(cells[header.indexOf("acc")], "0.25");
  assert.equal(cells[header.indexOf("rooflineSpeedup")], "1.4");
  assert.ok(lines[1].startsWith('"model, ""quoted""",xsum,1,gen,topk,0.5,'));
});
