/**
 * Sections of charts: a figure per chart spec with a canvas the page's script draws on, and a
 * text fallback naming what the chart shows.
 *
 * @module
 */
import type { ChartSpec } from "../chart_specs.ts";
import { html, type SafeHtml } from "./template.ts";

/**
 * One chart's figure: its heading, a canvas the page's script draws on, and its note.
 *
 * @example
 * ```ts ignore
 * const markup = figure(spec);
 * ```
 */
export function figure(spec: ChartSpec): SafeHtml {
  const described = `${spec.title}: ${spec.yLabel} against ${spec.xLabel}; series: ${
    spec.series.map((s) => s.label).join(", ")
  }`;
  return html`<figure><h4>${spec.title}</h4><div class="plot"><canvas id="${spec.id}" role="img" aria-label="${described}">${described}</canvas></div>${
    spec.note ? html`<figcaption>${spec.note}</figcaption>` : ""
  }</figure>`;
}

/**
 * A section holding a grid of charts, or a sentence when there are none.
 *
 * @example
 * ```ts
 * import { chartsSection } from "./charts_section.ts";
 * const section = chartsSection("quality", "Quality", "", []);
 * console.assert(section.text.includes("No chart"));
 * ```
 */
export function chartsSection(
  id: string,
  title: string,
  lead: string,
  specs: readonly ChartSpec[],
): SafeHtml {
  return html`<section id="${id}"><h2>${title}</h2>${
    lead ? html`<p class="lead">${lead}</p>` : ""
  }${
    specs.length === 0
      ? html`<p class="muted">No chart: this sweep has no results of this kind.</p>`
      : html`<div class="charts">${specs.map(figure)}</div>`
  }</section>`;
}
