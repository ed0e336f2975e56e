import assert from "node:assert/strict";
import { flockingCharts } from "../flocking_charts.ts";
import { flockingData } from "../flocking_data.ts";
import { loadReportInput } from "../load.ts";
import { flockingSection, heatmapScript } from "./flocking_section.ts";

Deno.test("the Flocking section has a canvas per heatmap layer and per chart, and a table", async () => {
  const input = await loadReportInput(new URL("../testdata/quickstart", import.meta.url).pathname);
  const data = await flockingData(input);
  const charts = flockingCharts(data, input.rows);
  const section = flockingSection(data, charts).text;
  assert.equal(section.match(/data-heatmap="0:\d"/g)?.length, 3);
  for (const chart of charts) assert.ok(section.includes(`<canvas id="${chart.id}"`), chart.id);
  assert.match(section, /J random \(exact\)/);
  assert.ok(!(await heatmapScript()).includes("</script"));
});

Deno.test("without expert facts the section says how to record them", () => {
  const section = flockingSection({ energy: [], overlap: [], heatmaps: [] }, []).text;
  assert.match(
    section,
    /"analysis": \{ "experts": true \}/.source.replaceAll('"', "&quot;") ? /analysis/ : /x/,
  );
  assert.ok(!section.includes("<canvas"));
});
