/**
 * One sweep from file to records: check the file, plan, pick this shard's jobs, open the store,
 * skip what is finished, run the rest on the pool, record every job.
 *
 * @module
 */
import { cpuName, deviceFacts, hostFacts } from "./environment.ts";
import { discoverGpus, estimateModelMiB, type Gpu, selectGpus } from "./devices.ts";
import { type Job, planJobs, type Shard, shardJobs } from "./plan.ts";
import { planText } from "./plan_text.ts";
import { type AttemptResult, runPool, type Slot } from "./pool.ts";
import { Progress } from "./progress.ts";
import { type JobRecord, PLAN_FILE, RECORD_SCHEMA, RECORDS_FILE } from "./records.ts";
import { loadRunner } from "./runner.ts";
import { repairFile, ResultStore } from "./store.ts";
import { loadSweepFile } from "./sweep_file.ts";
import { HubError } from "../models/hub/hub_error.ts";
import { resolveHubModels } from "./hub_models.ts";
import { SweepFileError } from "./sweep_problems.ts";
import { dirname } from "node:path";
import { writeIndex, writeReport } from "../reports/mod.ts";

/** Everything the command line can say about a sweep run. */
export interface SweepRunOptions {
  /** The sweep file. */
  file: string;
  /** Runner module path or URL. */
  runner: string;
  /** Store folder (default `results/NAME`, with `/shard-I-of-N` for a shard). */
  out?: string;
  /** Print the plan and stop. */
  dryRun?: boolean;
  /** Continue a store that already holds records, skipping finished jobs. */
  resume?: boolean;
  /** With resume, run jobs recorded as failed again. */
  retryFailed?: boolean;
  /** GPUs to use (overrides the file). */
  gpus?: "all" | "none" | number[];
  /** Workers per GPU (overrides the file). */
  workersPerGpu?: number;
  /** Workers when running on the CPU (overrides the file). */
  cpuWorkers?: number;
  /** Extra attempts for a failed job (overrides the file). */
  retries?: number;
  /** Per-job time limit in seconds (overrides the file). */
  timeoutSeconds?: number;
  /** Requests per engine call (overrides the file's batch.maxSequences; 1: one at a time). */
  batchSize?: number;
  /** Run only this share of the jobs. */
  shard?: Shard;
  /** Draw a live bar (a terminal) instead of log lines. */
  live?: boolean;
  /** Where messages go. */
  print?: (text: string) => void;
  /** Added to every worker's environment (a runner's settings; tests use it). */
  workerEnv?: Record<string, string>;
  /** The machine's GPUs instead of asking nvidia-smi (tests simulate several). */
  machineGpus?: Gpu[];
}

/** Runs a sweep; returns the exit code (0 all ok, 1 some job failed, 2 nothing could run). */
export async function runSweep(options: SweepRunOptions): Promise<number> {
  const print = options.print ?? ((text: string) => console.log(text));
  const fail = (message: string) => (print(message), 2);
  let catalog;
  try {
    catalog = await (await loadRunner(options.runner)).taskCatalog();
  } catch (error) {
    return fail(`cannot load the runner ${options.runner}: ${(error as Error).message}`);
  }
  let sweep;
  try {
    sweep = await loadSweepFile(options.file, catalog);
  } catch (error) {
    if (error instanceof SweepFileError) return fail(error.message);
    throw error;
  }
  const all = (await planJobs(sweep)).map((job) => ({
    ...job,
    timeoutSeconds: options.timeoutSeconds ?? job.timeoutSeconds,
    ...(options.batchSize ? { batch: { ...job.batch, maxSequences: options.batchSize } } : {}),
  }));
  const shardName = options.shard ? `${options.shard.index}/${options.shard.count}` : undefined;
  const planned = options.shard ? shardJobs(all, options.shard) : all;
  try {
    await resolveHubModels(sweep.models, options.dryRun === true);
  } catch (error) {
    if (error instanceof HubError) return fail(`${options.file}: ${error.message}`);
    throw error;
  }
  const groupMiB = new Map<string, number>();
  for (const job of planned) groupMiB.set(job.group, await estimateModelMiB(job.model));
  if (options.dryRun) {
    print(planText(sweep, all, planned, groupMiB, shardName));
    return 0;
  }

  let slots: Slot[];
  let workerEnv = options.workerEnv;
  let gpus;
  try {
    const machine = options.machineGpus ?? await discoverGpus();
    gpus = selectGpus(machine, options.gpus ?? sweep.devices.gpus ?? "all");
  } catch (error) {
    return fail((error as Error).message);
  }
  if (gpus.length > 0) {
    const perGpu = options.workersPerGpu ?? sweep.devices.workersPerGpu ?? 1;
    slots = gpus.flatMap((gpu) =>
      Array.from({ length: perGpu }, (_, w) => ({
        device: `cuda:${gpu.index}`,
        name: `cuda:${gpu.index}#${w}`,
        memoryMiB: Math.floor(gpu.memoryMiB * 0.95),
      }))
    );
  } else {
    const n = options.cpuWorkers ?? sweep.devices.cpuWorkers ?? 1;
    slots = Array.from({ length: n }, (_, w) => ({ device: "cpu", name: `cpu#${w}` }));
    // the workers share the cores: more engine threads than cores make each wait for the others
    if (Deno.env.get("OMP_NUM_THREADS") === undefined) {
      const threads = Math.max(1, Math.floor(navigator.hardwareConcurrency / n));
      workerEnv = { OMP_NUM_THREADS: String(threads), ...workerEnv };
    }
  }

  const shardDir = options.shard ? `/shard-${options.shard.index}-of-${options.shard.count}` : "";
  const out = options.out ?? `results/${sweep.name}${shardDir}`;
  if (!options.resume && (await nonEmpty(`${out}/${RECORDS_FILE}`))) {
    return fail(
      `${out} already holds results of a sweep; pass --resume to continue it, ` +
        "or --out to write somewhere else",
    );
  }
  const store = await ResultStore.open(out);
  if (store.repair.tornBytes > 0) {
    print(
      `repaired ${out}: cut a torn last line (${store.repair.tornBytes} bytes, kept in ` +
        `${RECORDS_FILE}.torn)`,
    );
  }
  if (store.repair.droppedRecords > 0) {
    print(`repaired ${out}: dropped ${store.repair.droppedRecords} records of unfinished attempts`);
  }
  await writePlan(out, { sweep, shard: shardName, jobs: planned });
  const todo = planned.filter((job) => {
    const record = store.jobs.get(job.jobId);
    return !record || (record.status === "failed" && options.retryFailed);
  });
  if (todo.length < planned.length) {
    print(`resuming: ${planned.length - todo.length} of ${planned.length} jobs already recorded`);
  }

  const facts = await hostFacts(sweep.hash);
  const cpu = await cpuName();
  const progress = new Progress(
    todo.length,
    slots.length,
    options.live ?? false,
    (text) =>
      options.print ? options.print(text.replace(/\n$/, "")) : Deno.stdout.writeSync(
        new TextEncoder().encode(text),
      ),
  );
  const place = new Map(slots.map((slot) => [slot.name, slot.device]));
  await runPool(todo, slots, {
    runnerUrl: new URL(options.runner, `file://${Deno.cwd()}/`).href,
    workerEnv,
    retries: options.retries ?? sweep.retries,
    groupMiB,
  }, {
    start(job, worker) {
      progress.started(job, worker);
      return store.nextAttempt(job.jobId);
    },
    sample: (job, attempt, sample) =>
      store.appendSample({ type: "sample", jobId: job.jobId, attempt, ...sample }),
    async finish(job, result) {
      const device = deviceFacts(place.get(result.worker) ?? "cpu", gpus, cpu);
      const record = jobRecord(job, result, { ...facts, ...device }, shardName);
      await store.appendJob(record);
      progress.finished(record, job);
    },
    retrying(job, result) {
      if (result.outcome.kind === "failed") {
        progress.retrying(job, result.worker, result.outcome.error);
      }
    },
  });
  progress.stop();
  await store.close();
  await repairFile(`${out}/${RECORDS_FILE}`); // drops samples of failed attempts
  const failed = planned.filter((job) => store.jobs.get(job.jobId)?.status === "failed");
  if (failed.length > 0) {
    print(
      `${failed.length} job${failed.length === 1 ? "" : "s"} failed; see ${out}/${RECORDS_FILE}` +
        " (rerun them with --resume --retry-failed)",
    );
  }
  try { // a report that cannot be written does not change the sweep's outcome
    const written = await writeReport(out);
    await writeIndex(dirname(out));
    print(`report: ${written.html}`);
  } catch (error) {
    print(`could not write the report of ${out}: ${(error as Error).message}`);
  }
  print(`results: ${out}`);
  return failed.length > 0 ? 1 : 0;
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).size > 0;
  } catch {
    return false;
  }
}

async function writePlan(
  out: string,
  plan: { sweep: unknown; shard?: string; jobs: readonly Job[] },
): Promise<void> {
  const text = JSON.stringify({ ...plan, writtenAt: new Date().toISOString() }, null, 1) + "\n";
  await Deno.writeTextFile(`${out}/${PLAN_FILE}.tmp`, text);
  await Deno.rename(`${out}/${PLAN_FILE}.tmp`, `${out}/${PLAN_FILE}`);
}

function jobRecord(
  job: Job,
  result: AttemptResult,
  environment: JobRecord["environment"],
  shard: string | undefined,
): JobRecord {
  const { outcome } = result;
  const output = outcome.kind === "done" ? outcome.output : undefined;
  return {
    type: "job",
    schema: RECORD_SCHEMA,
    jobId: job.jobId,
    sweep: job.sweep,
    model: {
      id: job.model.id,
      label: job.model.label,
      dtype: job.model.dtype,
      ...(job.model.hub ? { repo: job.model.hub.repo, commit: job.model.hub.commit } : {}),
    },
    task: job.task,
    density: job.density,
    method: job.method,
    mode: job.mode,
    seed: job.seed,
    repeat: job.repeat,
    status: output ? "ok" : "failed",
    ...(outcome.kind === "failed" ? { error: outcome.error, stderrTail: outcome.stderrTail } : {}),
    metrics: output?.metrics ?? {},
    timings: {
      promptMs: output?.timings.promptMs ?? 0,
      selectionMs: output?.timings.selectionMs ?? 0,
      decodeMsPerToken: output?.timings.decodeMsPerToken ?? 0,
      tokensPerSecond: output?.timings.tokensPerSecond ?? 0,
      generatedTokens: output?.timings.generatedTokens ?? 0,
      wallMs: result.wallMs - (output?.loadMs ?? 0),
      loadMs: output?.loadMs ?? 0,
      ...(output?.engineMs !== undefined
        ? {
          engineMs: output.engineMs,
          harnessMs: Math.max(0, result.wallMs - output.loadMs - output.engineMs),
        }
        : {}),
      ...((job.batch?.generation && (job.batch.maxSequences ?? 16) > 1 &&
          output?.timings.generatedTokens) || output?.timings.decodedTogether
        ? { batchedGeneration: true }
        : {}),
    },
    samples: output?.samples ?? 0,
    skipped: output?.skipped ?? 0,
    environment: { ...environment, engineBuild: output?.engineBuild },
    startedAt: result.startedAt,
    finishedAt: new Date().toISOString(),
    attempt: result.attempt,
    worker: result.worker,
    ...(shard ? { shard } : {}),
  };
}
