/**
 * The worker process: reads jobs (one JSON line each) on stdin, runs them through a runner
 * module, and reports samples and outcomes as JSON lines on stdout. It exits when stdin ends,
 * so a killed sweep leaves no workers behind.
 *
 * Usage (the pool starts it): `deno run -A bench/worker.ts RUNNER_URL DEVICE`.
 *
 * @module
 */
import { loadRunner, type Runner } from "./runner.ts";
import type { WorkerReply, WorkerRequest } from "./worker_protocol.ts";

const encoder = new TextEncoder();

async function send(reply: WorkerReply): Promise<void> {
  const bytes = encoder.encode(JSON.stringify(reply) + "\n");
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

async function main(): Promise<void> {
  const [runnerUrl, device] = Deno.args;
  let runner: Runner | undefined;
  const requests: WorkerRequest[] = [];
  let wake = () => {};
  // Read stdin apart from the jobs, so the end of stdin (the pool closed it, or the sweep died)
  // ends the process at once, even in the middle of a job.
  (async () => {
    const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
    let buffered = "";
    for await (const chunk of lines) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        requests.push(JSON.parse(buffered.slice(0, newline)));
        buffered = buffered.slice(newline + 1);
        wake();
      }
    }
    await runner?.close();
    Deno.exit(0);
  })();
  while (true) {
    const request = requests.shift();
    if (!request) {
      await new Promise<void>((done) => (wake = done));
      continue;
    }
    const { job } = request;
    try {
      // the worker's start and its runner's modules, before its first job: loading, not the job's
      const first = runner === undefined;
      runner ??= await (await loadRunner(runnerUrl)).createRunner({ device });
      const setupMs = first ? performance.now() : 0; // since this process started
      const ran = await runner.run(
        job,
        (sample) => send({ griffin: "sample", jobId: job.jobId, sample }),
        (phase) => send({ griffin: phase, jobId: job.jobId }),
      );
      const output = { ...ran, loadMs: ran.loadMs + setupMs };
      await send({ griffin: "done", jobId: job.jobId, output });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(error instanceof Error ? error.stack : message);
      await send({ griffin: "error", jobId: job.jobId, message });
    }
  }
}

if (import.meta.main) await main();
