/**
 * One worker process as the pool sees it: spawn it bound to a device, send it a job, follow its
 * replies, and tell a finished job from a crash, an out-of-memory error or a time-out.
 *
 * @module
 */
import type { Job } from "./plan.ts";
import type { JobOutput, SampleData } from "./runner.ts";
import { parseReply, type WorkerReply } from "./worker_protocol.ts";

/** A model's load limit when the job does not give one (a 70B folder over a slow disk). */
export const DEFAULT_LOAD_TIMEOUT_SECONDS = 1800;

/** How a job ended in a worker. */
export type Outcome =
  | { kind: "done"; output: JobOutput }
  | { kind: "failed"; error: string; stderrTail: string[]; workerLost: boolean };

/** Where a worker runs. */
export interface WorkerPlace {
  /** `cpu` or `cuda:N` (the physical index). */
  device: string;
  /** Name for logs and records, e.g. `cuda:0#1`. */
  name: string;
}

const TAIL_LINES = 20;
const OOM = /out of memory|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation/i;
const WORKER_URL = new URL("./worker.ts", import.meta.url);
const CONFIG = new URL("../deno.json", import.meta.url);

/** A live worker process. Replace it with a new one after it is lost. */
export class WorkerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: ReadableStreamDefaultReader<string>;
  readonly #tail: string[] = [];
  readonly #exited: Promise<Deno.CommandStatus>;
  #alive = true;

  /**
   * Starts a worker for `place` that runs jobs through the runner module at `runnerUrl`;
   * `extraEnv` is added to the worker's environment (the runner's settings).
   */
  constructor(
    readonly place: WorkerPlace,
    runnerUrl: string,
    extraEnv: Record<string, string> = {},
  ) {
    const gpu = /^cuda:(\d+)$/.exec(place.device)?.[1];
    const env: Record<string, string> = {
      ...extraEnv,
      CUDA_VISIBLE_DEVICES: gpu === undefined ? "" : gpu,
    };
    const args = ["run", "--allow-all", "--quiet", `--config=${CONFIG.pathname}`];
    const device = gpu === undefined ? "cpu" : "cuda:0";
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [...args, WORKER_URL.href, runnerUrl, device],
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#lines = this.#child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
      splitLines(),
    ).getReader();
    this.#followStderr();
    this.#exited = this.#child.status.then((status) => {
      this.#alive = false;
      return status;
    });
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#alive;
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  async #followStderr(): Promise<void> {
    const lines = this.#child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines());
    for await (const line of lines) this.#remember(line);
  }

  #remember(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
  }

  /** Runs a job; `onSample` is awaited for each sample before the next reply is read. */
  async run(job: Job, onSample: (sample: SampleData) => Promise<void>): Promise<Outcome> {
    this.#tail.length = 0;
    // the job's limit runs while it works; loading a model stops it and runs its own
    const loadLimit = job.loadTimeoutSeconds ?? DEFAULT_LOAD_TIMEOUT_SECONDS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expire: (why: string) => void = () => {};
    const timedOut = new Promise<{ timeout: string }>((
      done,
    ) => (expire = (why) => done({ timeout: why })));
    const limit = (seconds: number, why: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => expire(why), seconds * 1000);
    };
    limit(job.timeoutSeconds, `it ran past its time limit of ${job.timeoutSeconds} s`);
    try {
      await this.#stdin.write(new TextEncoder().encode(JSON.stringify({ job }) + "\n"));
      while (true) {
        const next = await Promise.race([this.#nextReply(), timedOut]);
        if (next !== undefined && "timeout" in next) {
          this.kill();
          await this.#exited;
          return this.#failure(next.timeout, true);
        }
        if (next === undefined) return await this.#lost();
        if (next.jobId !== job.jobId) continue;
        if (next.griffin === "loading") {
          limit(loadLimit, `loading its model ran past the limit of ${loadLimit} s`);
        } else if (next.griffin === "loaded") {
          limit(job.timeoutSeconds, `it ran past its time limit of ${job.timeoutSeconds} s`);
        } else if (next.griffin === "sample") await onSample(next.sample);
        else if (next.griffin === "done") return { kind: "done", output: next.output };
        else return this.#failure(`the job threw: ${next.message}`, false);
      }
    } catch (error) {
      if (this.#alive) throw error;
      return await this.#lost();
    } finally {
      clearTimeout(timer);
    }
  }

  async #nextReply(): Promise<WorkerReply | undefined> {
    while (true) {
      const { value, done } = await this.#lines.read();
      if (done) return undefined;
      const reply = parseReply(value);
      if (reply) return reply;
      this.#remember(value); // a stray print on stdout
    }
  }

  async #lost(): Promise<Outcome> {
    const status = await this.#exited;
    await new Promise((done) => setTimeout(done, 20)); // let the last stderr lines arrive
    const how = status.signal
      ? `signal ${status.signal}`
      : `exit code ${status.code}${status.code === 139 ? " (a segmentation fault)" : ""}`;
    const oom = this.#tail.some((line) => OOM.test(line));
    const error = oom
      ? `CUDA out of memory: the worker died (${how})`
      : `the worker process crashed (${how})`;
    return this.#failure(error, true);
  }

  #failure(error: string, workerLost: boolean): Outcome {
    return { kind: "failed", error, stderrTail: [...this.#tail], workerLost };
  }

  /** Kills the process at once (SIGKILL); safe when it has already exited. */
  kill(): void {
    if (!this.#alive) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // it exited meanwhile
    }
  }

  /** Asks the worker to finish (closes its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.kill(), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** A stream that cuts text into lines (without their newlines). */
export function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const line of lines) controller.enqueue(line);
    },
    flush(controller) {
      if (rest) controller.enqueue(rest);
    },
  });
}
