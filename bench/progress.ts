/**
 * Progress of a sweep: a live bar on a terminal (jobs done/total, the current job, tokens/s,
 * ETA), one plain line per finished job otherwise.
 *
 * @module
 */
import type { Job } from "./plan.ts";
import type { JobRecord } from "./records.ts";

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** A job in a few words: `tiny echo/gen d=0.5 topk r0`. */
export function describeJob(job: Job): string {
  return `${job.model.label} ${job.task.name}/${job.mode} d=${job.density} ${job.method} r${job.repeat}`;
}

/** Follows a sweep and draws its progress. */
export class Progress {
  #done = 0;
  #failed = 0;
  #wallMs = 0;
  #tokens = 0;
  #decodeSeconds = 0;
  readonly #running = new Map<string, Job>();
  readonly #began = performance.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `total` jobs to run on `workers` workers; `live` draws a bar (a terminal). */
  constructor(
    readonly total: number,
    readonly workers: number,
    readonly live: boolean,
    readonly write: (text: string) => void = (text) =>
      Deno.stdout.writeSync(new TextEncoder().encode(text)),
  ) {
    if (live) this.#timer = setInterval(() => this.#draw(), 250);
  }

  /** A job started on a worker. */
  started(job: Job, worker: string): void {
    this.#running.set(worker, job);
  }

  /** A job finished (ok or failed). */
  finished(record: JobRecord, job: Job): void {
    this.#running.delete(record.worker);
    this.#done++;
    if (record.status === "failed") this.#failed++;
    this.#wallMs += record.timings.wallMs;
    this.#tokens += record.timings.generatedTokens;
    if (record.timings.tokensPerSecond > 0) {
      this.#decodeSeconds += record.timings.generatedTokens / record.timings.tokensPerSecond;
    }
    if (!this.live) {
      const what = record.status === "ok"
        ? Object.entries(record.metrics).map(([k, m]) => `${k}=${m.value.toFixed(4)}`).join(" ")
        : `FAILED: ${record.error}`;
      const seconds = (record.timings.wallMs / 1000).toFixed(1);
      this.write(`[${this.#done}/${this.total}] ${describeJob(job)} ${seconds}s ${what}\n`);
    }
  }

  /** An attempt of `job` failed on `worker` for `reason` and the job runs again. */
  retrying(job: Job, worker: string, reason: string): void {
    this.#running.delete(worker);
    this.write(
      `${this.live ? "\r\x1b[2K" : ""}retrying ${describeJob(job)}: ${reason} on ${worker}\n`,
    );
  }

  /** Seconds left, from the mean job time so far spread over the workers. */
  etaSeconds(): number {
    if (this.#done === 0) return NaN;
    return ((this.#wallMs / this.#done / 1000) * (this.total - this.#done)) / this.workers;
  }

  #draw(): void {
    const width = 24;
    const filled = this.total ? Math.round((width * this.#done) / this.total) : width;
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const speed = this.#decodeSeconds > 0
      ? `${(this.#tokens / this.#decodeSeconds).toFixed(0)} tok/s`
      : "– tok/s";
    const current = [...this.#running.values()].map(describeJob)[0] ?? "";
    const failed = this.#failed ? ` ${this.#failed} failed` : "";
    const line = `${bar} ${this.#done}/${this.total}${failed} · ${speed} · ETA ${
      formatDuration(this.etaSeconds())
    } · ${current}`;
    this.write(`\r\x1b[2K${line.slice(0, (Deno.consoleSize?.().columns ?? 120) - 1)}`);
  }

  /** Stops drawing and ends with a summary line. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer), this.#draw(), this.write("\n");
    const seconds = (performance.now() - this.#began) / 1000;
    const failed = this.#failed ? `, ${this.#failed} failed` : "";
    this.write(
      `${this.#done} job${this.#done === 1 ? "" : "s"} finished in ${
        formatDuration(seconds)
      }${failed}\n`,
    );
  }
}
