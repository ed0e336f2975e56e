/**
 * The report's Flocking section: for one prompt per model, its row-normalised activations on
 * the most active neurons (a heatmap per layer, drawn by heatmap.js); then the energy kept,
 * expert-set overlaps and quality loss against energy (chart specs), and a table of the same
 * overlaps.
 *
 * @module
 */
import type { ChartSpec } from "../chart_specs.ts";
import type { FlockingData, Heatmap } from "../flocking_data.ts";
import { figure } from "./charts_section.ts";
import { formatNumber } from "./format.ts";
import { numeric, scrollTable } from "./table.ts";
import { html, type SafeHtml } from "./template.ts";

const LEAD = "GRIFFIN rests on flocking: within a sequence, the feed-forward activations of " +
  "different tokens light up the same neurons, so the prompt's most active neurons can serve " +
  "the whole generation. Measured on every sample of the sweep (analysis.experts).";

function heatmapFigures(heatmap: Heatmap, index: number): SafeHtml {
  return html`
    <h3>Prompt activations · ${heatmap.model} (${heatmap.task}, sample ${heatmap
      .sampleId})</h3>
    <div class="charts">${heatmap.layers.map((layer, j) => {
      const described = `Layer ${layer.layer}: |Ẑ| of ${layer.rows} prompt tokens (rows) on ` +
        `the layer's ${layer.neurons.length} most active neurons (columns, by score)`;
      return html`
        <figure>
          <h4>Layer ${layer.layer}</h4>
          <div class="plot">
            <canvas class="heatmap" id="heatmap-${index}-${j}"
              data-heatmap="${index}:${j}" role="img"
              aria-label="${described}">${described}</canvas>
          </div>
          <figcaption>Rows: tokens in prompt order; columns: the ${layer.neurons
            .length} highest-scoring neurons, most active first. Colour: |Ẑ| (each token's activations normalised to unit norm), white 0, darkest at ${formatNumber(
              layer.scale,
              3,
            )}. Vertical stripes are flocking.</figcaption>
        </figure>
      `;
    })}</div>
  `;
}

function overlapTable(data: FlockingData): SafeHtml {
  const energyOf = (model: string, method: string, density: number) => {
    const rows = data.energy.filter((e) =>
      e.model === model && e.method === method && e.density === density
    );
    const n = rows.reduce((a, r) => a + r.samples, 0);
    return n ? rows.reduce((a, r) => a + r.mean * r.samples, 0) / n : null;
  };
  const avg = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const rows = data.overlap.map((r) =>
    html`<tr><td>${r.model}</td><td>${r.method}</td><td class="num">${r.density}</td>${
      [
        energyOf(r.model, r.method, r.density),
        energyOf(r.model, "magnitude", r.density),
        avg(r.within),
        avg(r.across),
        avg(r.magnitude),
        avg(r.random),
      ].map((x) => html`<td class="num">${formatNumber(x, 3)}</td>`)
    }</tr>`
  );
  return scrollTable([
    "model",
    "method",
    numeric("density"),
    numeric("energy kept"),
    numeric("energy kept, magnitude set"),
    numeric("J same task"),
    numeric("J across tasks"),
    numeric("J vs magnitude"),
    numeric("J random (exact)"),
  ], rows);
}

/**
 * Renders the section; a sentence when the sweep recorded no expert facts.
 *
 * @example
 * ```ts
 * import { flockingSection } from "./flocking_section.ts";
 * const none = flockingSection({ energy: [], overlap: [], heatmaps: [] }, []);
 * console.assert(none.text.includes("analysis"));
 * ```
 */
export function flockingSection(data: FlockingData, charts: readonly ChartSpec[]): SafeHtml {
  if (data.energy.length === 0) {
    return html`
      <section id="flocking">
        <h2>Flocking</h2>
        <p
          class="muted">No expert facts in this store: add <code>"analysis": { "experts": true }</code> to the sweep file to record them.</p>
      </section>
    `;
  }
  return html`
    <section
      id="flocking"><h2>Flocking</h2><p class="lead">${LEAD}</p>${data.heatmaps.map(
        heatmapFigures,
      )}<h3>Energy kept, overlap, and what they predict</h3><div class="charts">${charts.map(
        figure,
      )}</div><h3>Expert-set overlap (mean Jaccard J over layers)</h3>${overlapTable(
        data,
      )}</section>
  `;
}

/**
 * The heatmaps' script (heatmap.js), ready to inline.
 *
 * @example
 * ```ts ignore
 * const source = await heatmapScript();
 * ```
 */
export async function heatmapScript(): Promise<string> {
  const text = await Deno.readTextFile(new URL("./heatmap.js", import.meta.url));
  return text.replaceAll("</script", "<\\/script");
}
