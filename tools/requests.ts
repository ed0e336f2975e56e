/**
 * `deno task requests`: the requests a task makes of its data file, for a person to audit the
 * prompts (lm-evaluation-harness's `write_out`), without a model.
 *
 *   deno task requests TASK [--path FILE] [--limit N] [--shots K] [--seed S]
 *     [--format dataset|llm-foundry] [--json]
 *
 * With `--json`, one object per line: `{"doc", "context", "continuation"}` per log-likelihood
 * request (one line per choice, in choice order) or `{"doc", "context", "until"}` per
 * generation request; `doc` is the 0-based row index. Without it, a readable listing with every
 * string JSON-quoted, so spaces and newlines show. Bad input (unknown task, missing file, a row
 * lacking a field, a bad flag) prints one line and exits 2.
 *
 * @module
 */
import { taskRequests } from "../tasks/registry.ts";
import { TaskInputError } from "../tasks/task_input_error.ts";
import type { TaskOptions, TaskRequest } from "../tasks/types.ts";
import { parseFlags, UsageError } from "./cli_args.ts";

const USAGE = `usage: deno task requests TASK [--path FILE] [--limit N] [--shots K] [--seed S]
  [--format dataset|llm-foundry] [--json]`;

function options(args: string[]): { task: string; options: TaskOptions; json: boolean } {
  const [task, ...rest] = args;
  if (task === undefined || task.startsWith("--")) {
    if (task === "--help") throw new UsageError(USAGE);
    throw new UsageError(`name the task first. ${USAGE}`);
  }
  const flags = parseFlags(rest, {
    path: "string",
    limit: "number",
    shots: "number",
    seed: "number",
    format: "string",
    json: "switch",
  });
  const o: TaskOptions = {
    path: flags.path as string | undefined,
    limit: flags.limit as number | undefined,
    shots: flags.shots as number | undefined,
    seed: flags.seed as number | undefined,
    format: flags.format as TaskOptions["format"],
  };
  for (const key of Object.keys(o) as (keyof TaskOptions)[]) {
    if (o[key] === undefined) delete o[key];
  }
  return { task, options: o, json: flags.json === true };
}

function readable(r: TaskRequest, index: number, count: number): string {
  const head = `doc ${r.doc}, request ${index + 1} of ${count}`;
  const tail = "continuation" in r
    ? `  continuation: ${JSON.stringify(r.continuation)}`
    : `  until:        ${JSON.stringify(r.until)}`;
  return `${head}\n  context:      ${JSON.stringify(r.context)}\n${tail}\n`;
}

try {
  const { task, options: o, json } = options(Deno.args);
  const { rendering, requests } = await taskRequests(task, o);
  const perDoc = new Map<string, number>();
  for (const r of requests) perDoc.set(r.doc, (perDoc.get(r.doc) ?? 0) + 1);
  const lines: string[] = [];
  if (!json) lines.push(`# ${task}: ${requests.length} requests; rendering: ${rendering}\n`);
  const seen = new Map<string, number>();
  for (const r of requests) {
    const i = seen.get(r.doc) ?? 0;
    seen.set(r.doc, i + 1);
    lines.push(json ? JSON.stringify(r) : readable(r, i, perDoc.get(r.doc)!));
  }
  await Deno.stdout.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  Deno.exit(0);
} catch (error) {
  const bad = error instanceof UsageError || error instanceof TaskInputError;
  console.error(`error: ${(error as Error).message.split("\n")[0]}`);
  Deno.exit(bad ? 2 : 1);
}
