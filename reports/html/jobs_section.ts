/**
 * Every job in one sortable table, then the failed jobs with their reasons and the last lines
 * their workers wrote.
 *
 * @module
 */
import type { JobRecord } from "../../bench/records.ts";
import { formatMetric, formatNumber } from "./format.ts";
import { html, type SafeHtml } from "./template.ts";

const HEADERS: [string, boolean][] = [
  ["model", false],
  ["task", false],
  ["mode", false],
  ["density", true],
  ["method", false],
  ["repeat", true],
  ["status", false],
  ["headline metric", true],
  ["other metrics", false],
  ["tokens/s", true],
  ["prompt ms", true],
  ["selection ms", true],
  ["samples", true],
  ["skipped", true],
  ["wall s", true],
  ["harness share", true],
  ["attempt", true],
  ["worker", false],
  ["job id", false],
];

function num(value: number | undefined, digits = 4): SafeHtml {
  const shown = value === undefined || value === 0 ? undefined : value;
  return html`<td class="num" data-v="${shown ?? ""}">${formatNumber(shown, digits)}</td>`;
}

function jobRow(job: JobRecord): SafeHtml {
  const [headline, ...others] = Object.entries(job.metrics);
  const t = job.timings;
  return html`<tr class="${job.status}"><td>${job.model.label}</td><td>${job.task.name}</td><td>${job.mode}</td>
<td class="num">${job.density}</td><td>${
    job.density === 1 ? "full" : job.method
  }</td><td class="num">${job.repeat}</td>
<td class="status-${job.status}">${job.status}</td>
<td class="num" data-v="${headline?.[1].value ?? ""}">${
    headline ? `${headline[0]} ${formatMetric(headline[1].value, headline[1].stderr)}` : "–"
  }</td>
<td>${others.map(([name, m]) => `${name} ${formatMetric(m.value, m.stderr)}`).join("; ")}</td>
${
    t.batchedGeneration
      ? html`
        <td class="num" data-v="${t.tokensPerSecond}"
          title="decoded together (batch.generation): a sequence's rate in a batch, not a batch-1 speed">${formatNumber(
            t.tokensPerSecond,
            1,
          )} (batched)</td>
      `
      : num(t.tokensPerSecond)
  }${num(t.promptMs)}${num(t.selectionMs, 3)}
<td class="num">${job.samples}</td><td class="num">${job.skipped}</td>${num(t.wallMs / 1000, 3)}${
    num(t.harnessMs !== undefined && t.wallMs > 0 ? t.harnessMs / t.wallMs : undefined, 2)
  }
<td class="num">${job.attempt}</td><td>${job.worker}</td><td><code>${job.jobId}</code></td></tr>`;
}

function failures(jobs: readonly JobRecord[]): SafeHtml {
  const failed = jobs.filter((job) => job.status === "failed");
  if (failed.length === 0) return html`<p>No job failed.</p>`;
  // one block per distinct reason: a sweep where every job failed the same way stays short
  const byReason = new Map<string, JobRecord[]>();
  for (const job of failed) {
    const reason = job.error ?? "no reason recorded";
    byReason.set(reason, [...(byReason.get(reason) ?? []), job]);
  }
  return html`${
    [...byReason].map(([reason, group]) =>
      html`
        <div
          class="sample"><p class="status-failed">${group.length} job${group.length === 1
            ? ""
            : "s"}: ${reason}</p><ul>${group.map((job) =>
              html`<li>${job.model.label} · ${job.task.name} (${job.mode}) · density ${job.density} · ${job.method} · repeat ${job.repeat} <span class="muted">(attempt ${job.attempt} on ${job.worker}, job <code>${job.jobId}</code>)</span></li>`
            )}</ul>${group[0].stderrTail?.length
            ? html`
              <details>
                <summary>Last lines on stderr (${group[0].model.label} · ${group[0].task
                  .name} · density ${group[0].density})</summary>
                <pre>${group[0].stderrTail.join("\n")}</pre>
              </details>
            `
            : ""}</div>
      `
    )
  }`;
}

/**
 * Renders the jobs table and the failures.
 *
 * @example
 * ```ts
 * import { jobsSection } from "./jobs_section.ts";
 * console.assert(jobsSection([]).text.includes("No job failed"));
 * ```
 */
export function jobsSection(jobs: readonly JobRecord[]): SafeHtml {
  const failed = jobs.filter((job) => job.status === "failed").length;
  return html`<section id="jobs"><h2>Every job</h2>
<p class="lead">${jobs.length} jobs, ${failed} failed. Click a column's header to sort by it; click again to reverse.</p>
<div class="scroll tall"><table class="jobs" data-sortable><thead><tr>${
    HEADERS.map(([name, numeric]) =>
      html`<th class="${numeric ? "num" : ""}"><button type="button">${name}</button></th>`
    )
  }</tr></thead><tbody>${jobs.map(jobRow)}</tbody></table></div>
<h3 id="failures">Failures</h3>${failures(jobs)}</section>`;
}
