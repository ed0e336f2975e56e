/**
 * A few samples per model and task: the prompt (an excerpt), the reference, what was scored
 * (each request's context and continuation with its log-likelihood, and the task's rendering),
 * and what the full model and each GRIFFIN setting made of it, with per-sample metrics.
 *
 * @module
 */
import type { JobRecord, StoredSample } from "../../bench/records.ts";
import type { RecordedRequest } from "../../tasks/recorded_request.ts";
import { methodName } from "../chart_specs.ts";
import { formatNumber } from "./format.ts";
import { html, raw, type SafeHtml } from "./template.ts";

/** Samples shown per model and task. */
export const SAMPLES_SHOWN = 3;

/** The start and end of a long text, joined by an ellipsis (prompts end with the instruction). */
export function excerpt(text: string, head = 320, tail = 200): string {
  return text.length <= head + tail + 20 ? text : `${text.slice(0, head)} … ${text.slice(-tail)}`;
}

function settingName(job: JobRecord): string {
  return job.density === 1 ? "full model" : `${methodName(job.method)}, density ${job.density}`;
}

/** A scored request: its context (or, when long, its length, SHA-256 and ends) and what follows. */
function requestItem(r: RecordedRequest): SafeHtml {
  const context = r.context !== undefined
    ? excerpt(r.context)
    : `[${r.contextChars} characters, SHA-256 ${r.contextSha256}]\n${r.contextHead} … ${r.contextTail}`;
  const answer = r.loglikelihood === undefined
    ? ""
    : `: log-likelihood ${formatNumber(r.loglikelihood)}${r.greedy ? " (greedy)" : ""}`;
  const after = r.continuation !== undefined
    ? `continuation ${JSON.stringify(r.continuation)}${answer}`
    : `generated until ${JSON.stringify(r.until ?? [])}`;
  return html`
    <li>
      <div class="prompt">${context}</div>
      <div>${after}</div>
    </li>
  `;
}

function scoredRequests(sample: StoredSample): SafeHtml | string {
  if (!sample.requests?.length) return "";
  return html`
    <details>
      <summary>What was scored: ${sample.requests.length} request(s)${sample.rendering
        ? `, rendering: ${sample.rendering}`
        : ""}</summary>
      <ol>${sample.requests.map(requestItem)}</ol>
    </details>
  `;
}

function sampleBlock(sample: StoredSample, settings: [JobRecord, StoredSample | undefined][]) {
  const rows = settings.map(([job, s]) =>
    html`
      <tr>
        <th scope="row">${settingName(job)}</th>
        <td class="text">${s?.output === undefined ? "–" : excerpt(s.output, 400, 0)}</td>
        <td>${s
          ? Object.entries(s.metrics).map(([k, v]) => `${k} ${formatNumber(v)}`).join("; ")
          : "–"}</td>
      </tr>
    `
  );
  return html`<div class="sample"><div><strong>Sample ${sample.id}</strong></div>
<div class="prompt">${excerpt(sample.prompt)}</div>${
    sample.reference === undefined
      ? ""
      : html`<p><strong>Reference:</strong> ${excerpt(sample.reference, 300, 0)}</p>`
  }${
    scoredRequests(sample)
  }<div class="scroll"><table><thead><tr><th>setting</th><th>output</th><th>sample metrics</th></tr></thead><tbody>${rows}</tbody></table></div></div>`;
}

/**
 * Renders the samples section: per model and task, the first {@link SAMPLES_SHOWN} samples of the
 * full model (or of the first setting with samples), beside every setting's repeat 0.
 *
 * @example
 * ```ts
 * import { samplesSection } from "./samples_section.ts";
 * console.assert(samplesSection([], new Map()).text.includes("No samples"));
 * ```
 */
export function samplesSection(
  jobs: readonly JobRecord[],
  samples: ReadonlyMap<string, StoredSample[]>,
): SafeHtml {
  const groups = new Map<string, JobRecord[]>();
  for (const job of jobs) {
    if (job.status !== "ok" || job.repeat !== 0 || !samples.get(job.jobId)?.length) continue;
    const key = `${job.model.label} · ${job.task.name} (${job.mode})`;
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const blocks = [...groups].map(([key, group], index) => {
    const settings = [...group].sort((a, b) =>
      b.density - a.density || a.method.localeCompare(b.method)
    );
    const shown = samples.get(settings[0].jobId)!.slice(0, SAMPLES_SHOWN);
    const rendering = shown.find((s) => s.rendering)?.rendering;
    return html`<details${index === 0 ? raw(" open") : ""}><summary><strong>${key}</strong>${
      rendering ? ` · rendering: ${rendering}` : ""
    }</summary>${
      shown.map((sample) =>
        sampleBlock(
          sample,
          settings.map((job) => [job, samples.get(job.jobId)?.find((s) => s.id === sample.id)]),
        )
      )
    }</details>`;
  });
  return html`<section id="samples"><h2>Sample outputs</h2>${
    blocks.length === 0 ? html`<p class="muted">No samples recorded.</p>` : blocks
  }</section>`;
}
