/**
 * The report's Setup section: the sweep, its date, the models, the hardware, the engine build
 * and versions, and the sweep file itself.
 *
 * @module
 */
import type { ReportInput } from "../load.ts";
import { formatCount } from "./format.ts";
import { html, type SafeHtml } from "./template.ts";
import { numeric, scrollTable } from "./table.ts";

const distinct = (
  values: (string | undefined)[],
) => [...new Set(values.filter((v): v is string => !!v))];

function span(input: ReportInput): string {
  const starts = input.jobs.map((j) => j.startedAt).sort();
  const ends = input.jobs.map((j) => j.finishedAt).sort();
  if (starts.length === 0) return input.plan?.writtenAt ?? "no jobs recorded";
  return `${starts[0]} – ${ends[ends.length - 1]}`;
}

function modelsTable(input: ReportInput): SafeHtml {
  const rows = [...input.facts.values()].map((m) =>
    html`
      <tr>
        <td>${m.label}</td>
        <td><code>${m.id}</code>${m.commit ? ` @ ${m.commit.slice(0, 12)}` : ""}</td>
        <td>${m.architecture}</td>
        <td class="num" data-v="${m.parameters ?? ""}">${formatCount(m.parameters)}</td>
        <td>${m.dtype ?? "unknown"}</td>
        <td>${m.shape
          ? `${m.shape.layers} layers, d_model ${m.shape.hiddenSize}, d_ff ${m.shape.ffSize}, ` +
            `${m.shape.heads} heads (${m.shape.kvHeads} KV), vocabulary ${m.shape.vocabSize}` +
            (m.shape.gated ? ", gated FF" : ", plain FF")
          : m.note ?? ""}</td>
      </tr>
    `
  );
  return scrollTable(
    ["model", "id", "architecture", numeric("parameters"), "dtype", "shape"],
    rows,
  );
}

function hardware(input: ReportInput): SafeHtml {
  const seen = new Map<string, number>();
  for (const job of input.jobs) {
    const env = job.environment;
    const key = `${env.deviceName} (${env.device}${
      env.driver ? `, driver ${env.driver}` : ""
    }) on ${env.host}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return html`${
    [...seen].map(([key, n]) => html`<div>${key}: ${n} job${n === 1 ? "" : "s"}</div>`)
  }`;
}

/**
 * Renders the Setup section.
 *
 * @example
 * ```ts ignore
 * import { setupSection } from "./setup_section.ts";
 * const section = setupSection(input, { generatedAt: new Date().toISOString(), chartJs: "4.6.1" });
 * ```
 */
export function setupSection(
  input: ReportInput,
  meta: { generatedAt: string; chartJs: string },
): SafeHtml {
  const jobs = input.jobs;
  const failed = jobs.filter((j) => j.status === "failed").length;
  const planned = input.plan?.jobs.length;
  const env = (pick: (j: (typeof jobs)[number]) => string | undefined) =>
    distinct(jobs.map(pick)).join("; ") || "unknown";
  const tasks = distinct(jobs.map((j) => `${j.task.name} v${j.task.version} (${j.mode})`));
  const sweep = input.plan?.sweep;
  return html`<section id="setup"><h2>Setup</h2>
<dl class="facts">
<dt>Sweep</dt><dd>${input.sweepName}${input.plan?.shard ? ` (shard ${input.plan.shard})` : ""}</dd>
<dt>Result store</dt><dd><code>${input.storeDir}</code></dd>
<dt>Date</dt><dd>${span(input)}</dd>
<dt>Jobs</dt><dd>${jobs.length} recorded${planned !== undefined ? ` of ${planned} planned` : ""}, ${
    jobs.length - failed
  } ok, ${failed} failed${input.torn ? "; the records file ends in a torn line (ignored)" : ""}</dd>
<dt>Hardware</dt><dd>${hardware(input)}</dd>
<dt>Engine build</dt><dd>${env((j) => j.environment.engineBuild)}</dd>
<dt>Tasks</dt><dd>${tasks.join(", ")}</dd>
<dt>Versions</dt><dd>Deno ${env((j) => j.environment.deno)}; ${
    env((j) => j.environment.os)
  }; commit ${env((j) => j.environment.gitCommit)}; record schema ${
    distinct(jobs.map((j) => String(j.schema))).join(", ")
  }; chart.js ${meta.chartJs}</dd>
<dt>Report made</dt><dd>${meta.generatedAt}</dd>
</dl>
<h3>Models</h3>${modelsTable(input)}
<h3>Sweep file</h3>
${
    sweep
      ? html`
        <p><code>${sweep.file ?? "(no path recorded)"}</code>, SHA-256 <code>${sweep.hash ??
          "unknown"}</code>${input.sweepText === undefined
          ? " — the file has changed or moved since the sweep; the resolved sweep is shown"
          : ""}.</p>
        <details>
          <summary>${input.sweepText === undefined
            ? "Resolved sweep"
            : "The file as it ran"}</summary>
          <pre>${input.sweepText ?? JSON.stringify(sweep, null, 2)}</pre>
        </details>
      `
      : html`<p class="muted">The store holds no sweep.json.</p>`
  }
</section>`;
}
