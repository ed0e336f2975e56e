/**
 * The plan as `--dry-run` prints it: jobs, their grouping by model and the estimated work.
 *
 * @module
 */
import { groupJobs, type Job } from "./plan.ts";
import type { Sweep } from "./sweep_file.ts";

/** Samples a job will score (its limit; undefined when the task's whole set runs). */
export function samplesOf(job: Job): number | undefined {
  const limit = job.task.options.limit;
  return typeof limit === "number" ? limit : undefined;
}

/** Describes the plan in lines of text. */
export function planText(
  sweep: Sweep,
  all: readonly Job[],
  jobs: readonly Job[],
  groupMiB: Map<string, number>,
  shard?: string,
): string {
  const lines: string[] = [];
  lines.push(`sweep ${sweep.name} (${sweep.file}, sha256 ${sweep.hash.slice(0, 12)})`);
  const groups = groupJobs(jobs);
  const share = shard
    ? `shard ${shard}: ${jobs.length} of ${all.length} jobs`
    : `${jobs.length} jobs`;
  let samples = 0;
  let tokens = 0;
  let unbounded = 0;
  for (const job of jobs) {
    const n = samplesOf(job);
    if (n === undefined) unbounded++;
    samples += n ?? 0;
    const maxNew = job.task.options.maxNewTokens;
    if (job.mode === "gen" && typeof maxNew === "number") tokens += (n ?? 0) * maxNew;
  }
  const whole = unbounded ? ` (+ ${unbounded} jobs over whole task sets)` : "";
  lines.push(
    `${share} in ${groups.size} model group${groups.size === 1 ? "" : "s"}; ` +
      `estimated ${samples} samples${whole}, at most ${tokens} generated tokens`,
  );
  for (const [group, groupJobsList] of groups) {
    const model = groupJobsList[0].model;
    const mib = groupMiB.get(group);
    lines.push(
      `  ${group} (${model.id}${model.dtype ? `, ${model.dtype}` : ""}): ` +
        `${groupJobsList.length} jobs${mib ? `, about ${mib} MiB` : ""}`,
    );
  }
  lines.push("");
  lines.push(["job id".padEnd(16), "model", "task/mode", "density", "method", "repeat"].join("  "));
  for (const job of jobs) {
    lines.push([
      job.jobId,
      job.model.label,
      `${job.task.name}/${job.mode}`,
      String(job.density),
      job.method,
      String(job.repeat),
    ].join("  "));
  }
  return lines.join("\n") + "\n";
}
