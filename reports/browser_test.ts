/**
 * Opens reports from disk in headless Chromium: no console errors, every chart's canvas drawn,
 * markup in samples shown as text, sortable tables, and screenshots for a person to look at
 * (their folder is printed; set REPORT_SCREENSHOTS to choose it). Skipped, saying why, when no
 * Chromium is installed (`apt-get install chromium`; .ci/run installs it).
 */
import assert from "node:assert/strict";
import { findChromium, inspectPage, type PageInspection } from "./testing/chromium.ts";
import { HOSTILE_PROMPT, writeSyntheticStore } from "./testing/synthetic_store.ts";
import { writeReport } from "./write_report.ts";

const chromium = findChromium();
const skip = chromium ? "" : " (skipped: no Chromium found at $CHROMIUM or /usr/bin/chromium)";
const shots = Deno.env.get("REPORT_SCREENSHOTS") ??
  await Deno.makeTempDir({ prefix: "report-screenshots-" });
await Deno.mkdir(shots, { recursive: true });

const SORT_BY_DENSITY = `(() => {
  const table = document.querySelector("table[data-sortable]");
  const column = [...table.tHead.rows[0].cells].findIndex((th) => th.textContent.trim() === "density");
  table.tHead.rows[0].cells[column].querySelector("button").click();
  return [...table.tBodies[0].rows].map((row) => Number(row.cells[column].textContent));
})()`;

const CHECKS = `({
  body: document.body.innerText,
  images: document.images.length,
  charts: JSON.parse(document.getElementById("report-data").textContent).charts.length +
    document.querySelectorAll("canvas[data-heatmap]").length,
  heatmaps: document.querySelectorAll("canvas[data-heatmap]").length,
  sorted: ${SORT_BY_DENSITY},
})`;

interface Checks {
  body: string;
  images: number;
  charts: number;
  heatmaps: number;
  sorted: number[];
}

async function openReport(
  store: string,
  name: string,
): Promise<PageInspection & { checks: Checks }> {
  const written = await writeReport(store);
  const screenshots = ["#quality", "#speed", "#claims", "#flocking", "#samples"].map((
    selector,
  ) => ({
    selector,
    path: `${shots}/${name}-${selector.slice(1)}.png`,
  }));
  const page = await inspectPage(chromium!, written.html, { screenshots, expression: CHECKS });
  console.log(`screenshots of ${name}: ${shots}/${name}-*.png`);
  return { ...page, checks: page.value as Checks };
}

function assertClean(page: PageInspection & { checks: Checks }) {
  assert.deepEqual(page.errors, []);
  assert.equal(page.canvases.length, page.checks.charts);
  for (const canvas of page.canvases) {
    assert.ok(
      canvas.width > 300 && canvas.height > 200,
      `${canvas.id} is ${canvas.width}×${canvas.height}`,
    );
    assert.ok(canvas.painted > 2000, `${canvas.id} has only ${canvas.painted} drawn pixels`);
  }
  const sorted = page.checks.sorted;
  assert.deepEqual(sorted, [...sorted].sort((a, b) => a - b));
}

async function copyStore(from: string, to: string) {
  await Deno.mkdir(to, { recursive: true });
  for (const file of ["records.jsonl", "sweep.json"]) {
    const source = new URL(`./testdata/${from}/${file}`, import.meta.url);
    if (file === "sweep.json" && !(await Deno.stat(source).catch(() => null))) continue;
    await Deno.copyFile(source, `${to}/${file}`);
  }
  const experts = new URL(`./testdata/${from}/experts/`, import.meta.url);
  if (!(await Deno.stat(experts).catch(() => null))) return;
  await Deno.mkdir(`${to}/experts`, { recursive: true });
  for await (const entry of Deno.readDir(experts)) {
    await Deno.copyFile(new URL(entry.name, experts), `${to}/experts/${entry.name}`);
  }
}

Deno.test({
  name: `a synthetic store's report opens from disk with every chart drawn and no errors${skip}`,
  ignore: !chromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "report-browser-" });
    try {
      await writeSyntheticStore(dir, { failed: true });
      const page = await openReport(dir, "synthetic");
      assertClean(page);
      assert.equal(page.canvases.length, 24);
      assert.equal(page.title, "GRIFFIN bench: synthetic-h200"); // the sample's script never ran
      assert.ok(page.checks.body.includes(HOSTILE_PROMPT), "the prompt shows as text");
      assert.equal(page.checks.images, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `the quickstart sweep's real report opens from disk with every chart drawn${skip}`,
  ignore: !chromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "report-browser-" });
    try {
      await copyStore("quickstart", dir);
      const page = await openReport(dir, "quickstart");
      assertClean(page);
      assert.ok(page.canvases.length >= 5);
      assert.match(page.checks.body, /griffin-mini-llama/);
      // the Flocking section, from the side files: 3 heatmaps, energy, overlap, 3 loss charts
      assert.equal(page.checks.heatmaps, 3);
      const flocking = page.canvases.filter((c) => /^(heatmap|flocking)-/.test(c.id));
      assert.equal(flocking.length, 8);
      assert.match(page.checks.body, /Prompt activations · griffin-mini-llama/);
      assert.match(page.checks.body, /J random \(exact\)/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `a real H200 store where every job failed still opens cleanly and lists the failures${skip}`,
  ignore: !chromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "report-browser-" });
    try {
      await copyStore("h200-no-engine", dir);
      const page = await openReport(dir, "h200-no-engine");
      assertClean(page);
      assert.equal(page.canvases.length, 0);
      assert.match(page.checks.body, /45 jobs, 45 failed/);
      assert.match(page.checks.body, /cannot load the native engine/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `a real H200 sweep's report (CUDA backend, 12 jobs) opens cleanly with charts drawn${skip}`,
  ignore: !chromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "report-browser-" });
    try {
      await copyStore("h200", dir);
      const page = await openReport(dir, "h200");
      assertClean(page);
      assert.ok(page.canvases.length >= 4);
      assert.match(page.checks.body, /12 jobs/);
      assert.match(page.checks.body, /NVIDIA H200/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
