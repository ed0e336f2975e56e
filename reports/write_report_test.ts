import assert from "node:assert/strict";
import { HOSTILE_OUTPUT, HOSTILE_PROMPT, writeSyntheticStore } from "./testing/synthetic_store.ts";
import { escapeHtml } from "./html/template.ts";
import { type ReportJson, writeReport } from "./write_report.ts";

async function withStore(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "report-test-" });
  try {
    await writeSyntheticStore(dir, { failed: true });
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a report of a synthetic store is one HTML file with its CSV and JSON beside it", async () => {
  await withStore(async (dir) => {
    const written = await writeReport(dir);
    assert.deepEqual(written, {
      html: `${dir}/report.html`,
      csv: `${dir}/report.csv`,
      json: `${dir}/report.json`,
    });
    const json: ReportJson = JSON.parse(await Deno.readTextFile(written.json));
    assert.equal(json.sweep, "synthetic-h200");
    assert.deepEqual(json.jobs, { recorded: 96, failed: 1, planned: 96 });
    assert.equal(json.rows.length, 48);
    const csv = (await Deno.readTextFile(written.csv)).trimEnd().split("\r\n");
    assert.equal(csv.length, 49);
  });
});

Deno.test("the page is self-contained: chart.js inlined, no external scripts, styles or images", async () => {
  await withStore(async (dir) => {
    const page = await Deno.readTextFile((await writeReport(dir)).html);
    assert.match(page, /Chart\.js v4\.6\.1/);
    assert.doesNotMatch(page, /<script[^>]+src=/i);
    assert.doesNotMatch(page, /<link[^>]+href=/i);
    assert.doesNotMatch(page, /<img/i);
    assert.doesNotMatch(page, /sourceMappingURL/);
    assert.ok(page.length < 600_000, `page is ${page.length} bytes`);
  });
});

Deno.test("a prompt and an output holding markup appear escaped, never as elements", async () => {
  await withStore(async (dir) => {
    const page = await Deno.readTextFile((await writeReport(dir)).html);
    assert.ok(page.includes(escapeHtml(HOSTILE_PROMPT)));
    assert.ok(page.includes(escapeHtml(HOSTILE_OUTPUT)));
    assert.ok(!page.includes("<script>document.title"));
    assert.ok(!page.includes("onerror=alert(1)>"));
    // exactly five script elements: the chart data, the heatmap data, chart.js, the page's own
    // and the heatmaps'
    assert.equal(page.match(/<script[\s>]/g)?.length, 5);
    assert.equal(page.match(/<\/script>/g)?.length, 5);
  });
});

Deno.test("every chart described in the page's data has its canvas, and every section is there", async () => {
  await withStore(async (dir) => {
    const page = await Deno.readTextFile((await writeReport(dir)).html);
    const data = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(page)!;
    const { charts } = JSON.parse(data[1]);
    assert.equal(charts.length, 6 + 12 + 6);
    for (const chart of charts) assert.ok(page.includes(`<canvas id="${chart.id}"`), chart.id);
    for (
      const id of [
        "setup",
        "claims",
        "quality",
        "speed",
        "pareto",
        "flocking",
        "jobs",
        "failures",
        "samples",
      ]
    ) {
      assert.ok(page.includes(`id="${id}"`), id);
    }
    assert.match(page, /the worker ran out of GPU memory/);
    assert.match(page, /gf_generate: out of memory &lt;at&gt; layer 31/);
    assert.match(page, /the paper reports 1\.25× at density 0\.5 on NVIDIA L40/);
    assert.match(page, /\/\/ the synthetic sweep &lt;for tests&gt;/); // the sweep file, as it ran
  });
});

Deno.test("--out puts the page where asked and the table files beside it", async () => {
  await withStore(async (dir) => {
    const written = await writeReport(dir, { out: `${dir}/site/sweep.html` });
    assert.equal(written.csv, `${dir}/site/sweep.csv`);
    assert.ok((await Deno.stat(`${dir}/site/sweep.json`)).isFile);
    assert.match(await Deno.readTextFile(written.html), /href="sweep\.csv"/);
  });
});

Deno.test("a folder without records gives an error that names it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => writeReport(dir), /records\.jsonl does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
