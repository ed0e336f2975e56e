/**
 * The whole report page: header and navigation, then Setup, the paper's claims, quality, speed,
 * quality against speed, flocking, every job, and samples; then the chart data and the scripts, inlined.
 *
 * @module
 */
import { paretoCharts, qualityCharts, speedCharts } from "../chart_specs.ts";
import { qualityMatches, speedMatches } from "../claims.ts";
import { flockingCharts } from "../flocking_charts.ts";
import { flockingData } from "../flocking_data.ts";
import type { ReportInput } from "../load.ts";
import { chartsSection } from "./charts_section.ts";
import { chartJsSource, clientScript } from "./chartjs.ts";
import { claimsSection } from "./claims_section.ts";
import { flockingSection, heatmapScript } from "./flocking_section.ts";
import { jobsSection } from "./jobs_section.ts";
import { samplesSection } from "./samples_section.ts";
import { setupSection } from "./setup_section.ts";
import { STYLES } from "./styles.ts";
import { html, jsonForScript, raw } from "./template.ts";

/** Names of the files written beside the page, for its links. */
export interface PageLinks {
  /** The aggregated table as CSV. */
  csv: string;
  /** The aggregated table as JSON. */
  json: string;
}

const NAV: [string, string][] = [
  ["setup", "Setup"],
  ["claims", "Paper's claims"],
  ["quality", "Quality"],
  ["speed", "Speed"],
  ["pareto", "Quality vs speed"],
  ["flocking", "Flocking"],
  ["jobs", "Every job"],
  ["failures", "Failures"],
  ["samples", "Samples"],
];

/**
 * Renders the report page.
 *
 * @example
 * ```ts ignore
 * import { reportPage } from "./page.ts";
 * const page = await reportPage(input, { csv: "report.csv", json: "report.json" });
 * ```
 */
export async function reportPage(
  input: ReportInput,
  links: PageLinks,
  generatedAt = new Date().toISOString(),
): Promise<string> {
  const chartJs = await chartJsSource();
  const rows = input.rows;
  const quality = qualityCharts(rows);
  const speed = speedCharts(rows);
  const pareto = paretoCharts(rows);
  const flocking = await flockingData(input);
  const flockingSpecs = flockingCharts(flocking, rows);
  const devices = [...new Set(rows.map((r) => r.device))].join(", ");
  const failed = input.jobs.filter((j) => j.status === "failed").length;
  const page = html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>GRIFFIN bench: ${input.sweepName}</title>
        <style>${raw(STYLES)}</style>
      </head>
      <body>
        <header>
          <h1>GRIFFIN bench: ${input.sweepName}</h1>
          <p
            class="lead">${input.jobs.length} jobs (${failed} failed) on ${devices ||
              "no device"}; models ${[...input.facts.keys()].join(", ") ||
              "none"}. Aggregated table: <a href="${links.csv}">CSV</a>, <a href="${links
              .json}">JSON</a>.</p>
          <nav>${NAV.map(([id, name]) => html`<a href="#${id}">${name}</a>`)}</nav>
        </header>
        <main>
    ${setupSection(input, { generatedAt, chartJs: chartJs.version })}
    ${claimsSection(qualityMatches(rows), speedMatches(rows, input.facts))}
    ${chartsSection(
      "quality",
      "Quality against density",
      "Each task's headline metric for every method; the full model is the black circle at density 1 and the dashed black line. Markers and dash patterns tell methods apart without colour.",
      quality,
    )}
    ${chartsSection(
      "speed",
      "Speed against density",
      "Batch-1 timings of one generation task per model: decode tokens/s, the prompt phase with the expert selection inside it, the speed-up over the full model beside the memory-roofline ceiling, and the share of the device's bandwidth used where the device is known.",
      speed,
    )}
    ${chartsSection(
      "pareto",
      "Quality against speed",
      "Each point is one setting (labelled with its density); the dotted grey line joins the settings no other setting beats on both quality and speed.",
      pareto,
    )}
    ${flockingSection(flocking, flockingSpecs)}
    ${jobsSection(input.jobs)}
    ${samplesSection(input.jobs, input.samples)}
        </main>
        <footer>
          <p
            class="muted">Made by griffin-bench's reports/ at ${generatedAt}. Self-contained: chart.js ${chartJs
              .version} (MIT licence) is inlined.</p>
        </footer>
        <script type="application/json" id="report-data">${raw(
          jsonForScript({ charts: [...quality, ...speed, ...pareto, ...flockingSpecs] }),
        )}</script>
        <script type="application/json" id="flocking-data">${raw(
          jsonForScript({ heatmaps: flocking.heatmaps }),
        )}</script>
        <script>${raw(chartJs.source)}</script>
        <script>${raw(await clientScript())}</script>
        <script>${raw(await heatmapScript())}</script>
      </body>
    </html>
  `;
  return page.text;
}
