/**
 * The harness's default runner: opens each model with the engine once per model group and runs
 * tasks on it. The engine and the tasks are imported when first needed, so the harness loads
 * (and plans, and validates) without them.
 *
 * @module
 */
import type { EngineModel } from "../engine/open.ts";
import type { Mode, SelectionMethod } from "../engine/types.ts";
import { observeExperts } from "./expert_observer.ts";
import { timeEngine } from "./engine_time.ts";
import type { Job } from "./plan.ts";
import type { JobOutput, Runner, SampleData, TaskInfo } from "./runner.ts";

const ENGINE = new URL("../engine/open.ts", import.meta.url).href;
const TASKS = new URL("../tasks/mod.ts", import.meta.url).href;
const LIBRARY = new URL("../ffi/library.ts", import.meta.url).href;

interface TasksModule {
  taskNames(): string[];
  describeTask(name: string): { name: string; version: string; modes: Mode[] };
  runTask(
    model: unknown,
    name: string,
    options: Record<string, unknown>,
    griffin: { density: number; method: SelectionMethod; seed: number },
    mode: Mode,
    onSample?: (sample: SampleData) => void | Promise<void>,
  ): Promise<{
    metrics: JobOutput["metrics"];
    samples: number;
    skipped: number;
    timings: JobOutput["timings"];
  }>;
}

interface OpenedModel {
  close(): void;
}

async function importTasks(): Promise<TasksModule> {
  try {
    return await import(TASKS);
  } catch (error) {
    throw new Error(`cannot load the tasks (tasks/mod.ts): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The tasks of tasks/mod.ts with their versions and modes. */
export async function taskCatalog(): Promise<TaskInfo[]> {
  const tasks = await importTasks();
  return tasks.taskNames().map((name) => {
    const { version, modes } = tasks.describeTask(name);
    return { name, version, modes: [...modes] };
  });
}

async function engineBuild(): Promise<string | undefined> {
  try {
    return (await import(LIBRARY)).buildInfo();
  } catch {
    return undefined;
  }
}

/** A runner on `device` that keeps the last model open until a job needs another. */
export function createRunner(context: { device: string }): Runner {
  let open: { key: string; model: OpenedModel } | undefined;
  let build: string | undefined;
  let imported = false;
  return {
    async run(
      job: Job,
      onSample: (sample: SampleData) => Promise<void>,
      onLoad?: (phase: "loading" | "loaded") => Promise<void>,
    ): Promise<JobOutput> {
      const importing = performance.now();
      const tasks = await importTasks();
      const key = JSON.stringify([job.model.id, job.model.dtype, job.model.options, job.batch]);
      // the runner's first import of the tasks is getting ready, as opening the model is
      let loadMs = imported ? 0 : performance.now() - importing;
      imported = true;
      if (open?.key !== key) {
        open?.model.close();
        open = undefined;
        await onLoad?.("loading");
        const start = performance.now();
        const { openModel } = await import(ENGINE);
        // A Hub model was resolved (and downloaded) before the run: open its snapshot.
        const model = await openModel(job.model.hub?.folder ?? job.model.id, {
          ...job.model.options,
          // the harness reads no batched request's experts (analysis.experts reads the session's)
          batch: { ...job.batch, experts: false },
          device: context.device,
          dtype: job.model.dtype,
        });
        open = { key, model };
        loadMs += performance.now() - start;
        await onLoad?.("loaded");
        build ??= await engineBuild();
      }
      const options = { seed: job.seed, ...job.task.options };
      const griffin = { density: job.density, method: job.method, seed: job.seed };
      // With analysis.experts, each sample carries the experts of its GRIFFIN call.
      const observer = job.analysis?.experts
        ? observeExperts(open.model as EngineModel, job)
        : undefined;
      const timed = timeEngine(observer?.model ?? (open.model as EngineModel));
      const result = await tasks.runTask(
        timed.model,
        job.task.name,
        options,
        griffin,
        job.mode,
        observer ? (sample) => onSample({ ...sample, experts: observer.take() }) : onSample,
      );
      return { ...result, loadMs, engineMs: timed.engineMs(), engineBuild: build };
    },
    close() {
      open?.model.close();
      open = undefined;
    },
  };
}
