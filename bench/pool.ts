/**
 * The worker pool: slots bound to devices, each with at most one worker process at a time.
 * A slot keeps to one model group while it has jobs (the model stays loaded), then takes a
 * group no one runs yet, then helps with the largest group left. A group goes only where its
 * model fits beside the models the device's other slots hold. A lost worker is replaced; a
 * failed job is retried up to `retries` times.
 *
 * @module
 */
import type { Job } from "./plan.ts";
import type { SampleData } from "./runner.ts";
import { type Outcome, type WorkerPlace, WorkerProcess } from "./worker_process.ts";

/** A place for one worker; slots on one device share its memory. */
export interface Slot extends WorkerPlace {
  /** The device's memory in MiB (undefined: no limit, as on the CPU). */
  memoryMiB?: number;
}

/** How one attempt of a job ended. */
export interface AttemptResult {
  /** Attempt number. */
  attempt: number;
  /** The worker's name. */
  worker: string;
  /** ISO start time. */
  startedAt: string;
  /** Milliseconds the attempt took. */
  wallMs: number;
  /** The outcome. */
  outcome: Outcome;
}

/** What the pool tells its caller. */
export interface PoolEvents {
  /** An attempt starts; returns its attempt number. */
  start(job: Job, worker: string): number;
  /** A sample arrived; the pool waits for it to be stored. */
  sample(job: Job, attempt: number, sample: SampleData): Promise<void>;
  /** A job ended for good (done, or failed with no retries left). */
  finish(job: Job, result: AttemptResult): Promise<void>;
  /** An attempt failed and the job will run again. */
  retrying?(job: Job, result: AttemptResult): void;
}

/** Settings of a pool run. */
export interface PoolOptions {
  /** Runner module URL for the workers. */
  runnerUrl: string;
  /** Added to every worker's environment (the runner's settings). */
  workerEnv?: Record<string, string>;
  /** Extra attempts for a failed job. */
  retries: number;
  /** Memory each group's model needs, in MiB. */
  groupMiB: Map<string, number>;
}

/** Runs every job on the slots; resolves when all have finished. */
export async function runPool(
  jobs: readonly Job[],
  slots: readonly Slot[],
  options: PoolOptions,
  events: PoolEvents,
): Promise<void> {
  const queues = new Map<string, Job[]>();
  for (const job of jobs) queues.set(job.group, [...(queues.get(job.group) ?? []), job]);
  const held = new Map<Slot, string>(); // the group whose model each slot holds
  let wake: () => void = () => {};
  let changed = new Promise<void>((done) => (wake = done));
  const notify = () => {
    wake();
    changed = new Promise<void>((done) => (wake = done));
  };

  const fits = (slot: Slot, group: string) => {
    if (slot.memoryMiB === undefined) return true;
    let used = 0;
    for (const [other, g] of held) {
      if (other !== slot && other.device === slot.device) used += options.groupMiB.get(g) ?? 0;
    }
    return used + (options.groupMiB.get(group) ?? 0) <= slot.memoryMiB;
  };
  const fitsAlone = (group: string) =>
    slots.some((s) =>
      s.memoryMiB === undefined || (options.groupMiB.get(group) ?? 0) <= s.memoryMiB
    );

  // Groups too large for every device fail at once.
  for (const [group, queue] of queues) {
    if (fitsAlone(group)) continue;
    for (const job of queue.splice(0)) {
      const need = options.groupMiB.get(group);
      const error = `model ${group} needs about ${need} MiB, more than any chosen GPU has`;
      await events.finish(job, {
        attempt: events.start(job, "none"),
        worker: "none",
        startedAt: new Date().toISOString(),
        wallMs: 0,
        outcome: { kind: "failed", error, stderrTail: [], workerLost: false },
      });
    }
  }

  const pick = (slot: Slot): Job | undefined | "wait" => {
    const current = held.get(slot);
    if (current !== undefined && queues.get(current)!.length > 0) {
      return queues.get(current)!.shift();
    }
    held.delete(slot);
    const left = [...queues].filter(([, queue]) => queue.length > 0);
    if (left.length === 0) return undefined;
    const running = new Set(held.values());
    const fresh = left.filter(([group]) => !running.has(group));
    const candidates = (fresh.length > 0 ? fresh : left.sort((a, b) => b[1].length - a[1].length))
      .filter(([group]) => fits(slot, group));
    if (candidates.length === 0) return "wait";
    const [group, queue] = candidates[0];
    held.set(slot, group);
    return queue.shift();
  };

  const runSlot = async (slot: Slot) => {
    let worker: WorkerProcess | undefined;
    let workerGroup: string | undefined;
    while (true) {
      const released = held.has(slot);
      const job = pick(slot);
      if (job === "wait") {
        if (worker) await worker.close(), worker = undefined;
        if (released) notify(); // its model's memory is free now
        await changed;
        continue;
      }
      if (job === undefined) break;
      if (worker && workerGroup !== job.group) {
        await worker.close(); // frees the previous model's memory before the next loads
        worker = undefined;
      }
      for (let tries = 0;; tries++) {
        if (!worker?.alive) worker = new WorkerProcess(slot, options.runnerUrl, options.workerEnv);
        workerGroup = job.group;
        const attempt = events.start(job, slot.name);
        const startedAt = new Date().toISOString();
        const t0 = performance.now();
        const outcome = await worker.run(job, (sample) => events.sample(job, attempt, sample));
        const result = {
          attempt,
          worker: slot.name,
          startedAt,
          wallMs: performance.now() - t0,
          outcome,
        };
        if (outcome.kind === "failed" && outcome.workerLost) worker = undefined;
        if (outcome.kind === "done" || tries >= options.retries) {
          await events.finish(job, result);
          break;
        }
        events.retrying?.(job, result);
      }
    }
    held.delete(slot);
    notify();
    await worker?.close();
  };

  await Promise.all(slots.map(runSlot));
}
