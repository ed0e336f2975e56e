/**
 * The paper's headline claims beside this sweep's matching settings: quality at density 0.5
 * against the full model, and decode speed-ups on the models the paper timed.
 *
 * @module
 */
import type { AggregateRow } from "../aggregate.ts";
import {
  CLAIM_DENSITY,
  PAPER_QUALITY_CLAIM,
  type QualityMatch,
  type SpeedMatch,
} from "../claims.ts";
import { methodName } from "../chart_specs.ts";
import { formatChange, formatMetric, formatNumber } from "./format.ts";
import { html, type SafeHtml } from "./template.ts";
import { numeric, scrollTable } from "./table.ts";

/** How many standard errors apart counts as a real difference. */
export const SIGNIFICANT_Z = 2;

function verdict(zScore: number, higherIsBetter: boolean): SafeHtml {
  if (!Number.isFinite(zScore) || Math.abs(zScore) < SIGNIFICANT_Z) {
    return html`<span class="verdict-ok">within ${SIGNIFICANT_Z} SE of full</span>`;
  }
  const better = (zScore > 0) === higherIsBetter;
  return better
    ? html`<span class="verdict-better">better by ${Math.abs(zScore).toFixed(1)} SE</span>`
    : html`<span class="verdict-worse">worse by ${Math.abs(zScore).toFixed(1)} SE</span>`;
}

function qualityTable(matches: readonly QualityMatch[]): SafeHtml {
  if (matches.length === 0) {
    return html`<p class="muted">No task has both the full model and density ${CLAIM_DENSITY} in this sweep.</p>`;
  }
  const rows = matches.flatMap((m) =>
    m.methods.map((x) =>
      html`
        <tr>
          <td>${m.model}</td>
          <td>${m.task}</td>
          <td>${m.metric}</td>
          <td class="num">${formatMetric(m.full.value, m.full.stderr)}</td>
          <td>${methodName(x.method)}</td>
          <td class="num">${formatMetric(x.value.value, x.value.stderr)}</td>
          <td class="num">${formatChange(x.change)}</td>
          <td>${verdict(x.zScore, m.full.higherIsBetter)}</td>
        </tr>
      `
    )
  );
  return scrollTable(
    [
      "model",
      "task",
      "metric",
      numeric("full model"),
      `method at ${CLAIM_DENSITY}`,
      numeric("value"),
      numeric("change"),
      "against full",
    ],
    rows,
  );
}

function speedRow(row: AggregateRow): SafeHtml {
  return html`
    <tr>
      <td>${row.model}</td>
      <td>${row.task}</td>
      <td>${methodName(row.method)}</td>
      <td>${row.device}</td>
      <td class="num">${formatNumber(row.decodeSpeedup, 3)}×</td>
      <td class="num">${formatNumber(row.rooflineSpeedup, 3)}×</td>
      <td class="num">${formatNumber(row.rooflinePercent, 3)}${row.rooflinePercent === null
        ? ""
        : "%"}</td>
    </tr>
  `;
}

function speedTable(matches: readonly SpeedMatch[]): SafeHtml {
  return html`${
    matches.map(({ claim, rows }) =>
      html`<h4>${claim.model}: the paper reports ${
        claim.speedup.toFixed(2)
      }× at density ${CLAIM_DENSITY} on ${claim.device}</h4>${
        rows.length === 0
          ? html`
            <p
              class="muted">No ${claim.model}-shaped model (${claim.shape
                .layers} layers, d_model ${claim.shape.hiddenSize}, d_ff ${claim.shape
                .ffSize}) has decode timings at density ${CLAIM_DENSITY} in this sweep.</p>
          `
          : scrollTable(
            [
              "model",
              "task",
              "method",
              "device",
              numeric("measured speed-up"),
              numeric("roofline ceiling"),
              numeric("% of roofline"),
            ],
            rows.map(speedRow),
          )
      }`
    )
  }`;
}

/**
 * Renders the claims section.
 *
 * @example
 * ```ts ignore
 * import { claimsSection } from "./claims_section.ts";
 * const section = claimsSection(qualityMatches(rows), speedMatches(rows, facts));
 * ```
 */
export function claimsSection(
  quality: readonly QualityMatch[],
  speed: readonly SpeedMatch[],
): SafeHtml {
  return html`<section id="claims"><h2>The paper's claims beside this sweep</h2>
<h3>Quality: “${PAPER_QUALITY_CLAIM}”</h3>
<p class="muted">Each task's headline metric. “Within ${SIGNIFICANT_Z} SE” means the difference is smaller than twice the combined standard error.</p>
${qualityTable(quality)}
<h3>Speed: decode speed-up at density ${CLAIM_DENSITY}</h3>
<p class="muted">The roofline ceiling is the ratio of weight bytes read per token, full over kept: no implementation on any device can beat it at batch 1.</p>
${speedTable(speed)}
</section>`;
}
