/**
 * Reading a sweep file: parse (JSON or JSONC), check the shape with zod, then check what the
 * shape cannot (task names and modes, model folders, labels, exclusion rules). Every problem is
 * collected before anything runs.
 *
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { type Mode, MODES, SELECTION_METHODS } from "../engine/types.ts";
import { isHubModelId, parseHubId } from "../models/hub/hub_id.ts";
import { suggestion } from "./did_you_mean.ts";
import { EXCLUSION_FIELDS, type ExclusionRule, type FieldTest } from "./exclusions.ts";
import { JsoncSyntaxError, parseJsonc } from "./jsonc.ts";
import type { TaskInfo } from "./runner.ts";
import { SweepFile, type SweepFileData } from "./sweep_schema.ts";
import { problemsFromIssues, SweepFileError, type SweepProblem } from "./sweep_problems.ts";

/** A model of the sweep, label resolved. */
export interface SweepModel {
  /** Folder path, Hub id (`ORG/NAME[@REVISION]`) or `synthetic:NAME`, as written. */
  id: string;
  /** Label for tables (default: the synthetic name or the folder's name). */
  label: string;
  /** Weight dtype, if set. */
  dtype?: string;
  /** Further options passed to the engine when opening the model. */
  options?: Record<string, unknown>;
  /** For a Hub id, once resolved before the run: repository, commit and snapshot folder. */
  hub?: { repo: string; revision: string; commit: string; folder: string };
}

/** A task of the sweep with its version, modes and options. */
export interface SweepTask {
  /** Task name. */
  name: string;
  /** Task version from the catalogue. */
  version: string;
  /** Modes it runs in for this sweep. */
  modes: Mode[];
  /** Options passed to the task. */
  options: Record<string, unknown>;
}

/** A checked sweep, ready to plan. */
export interface Sweep {
  /** Sweep name (the file's `name`, or its base name). */
  name: string;
  /** The file it came from. */
  file: string;
  /** SHA-256 (hex) of the file's bytes. */
  hash: string;
  /** Models, in file order. */
  models: SweepModel[];
  /** Densities, in file order. */
  densities: number[];
  /** Methods, in file order. */
  methods: SweepFileData["methods"];
  /** Tasks, in file order. */
  tasks: SweepTask[];
  /** Base seed; repeat r uses seed + r. */
  seed: number;
  /** Repeats of every point. */
  repeats: number;
  /** Devices from the file (the command line overrides them). */
  devices: SweepFileData["devices"];
  /** Per-job time limit. */
  timeoutSeconds: number;
  /** Time limit for opening a model. */
  loadTimeoutSeconds: number;
  /** How many requests one engine call takes (class-mode scoring); absent: the engine's default. */
  batch?: { maxTokens?: number; maxSequences?: number };
  /** Extra attempts for a failed job. */
  retries: number;
  /** Exclusion rules. */
  exclusions: ExclusionRule[];
  /** What is recorded beyond metrics (`experts`: per-sample expert facts). */
  analysis: { experts: boolean };
}

/** Reads and checks a sweep file; throws {@link SweepFileError} listing every problem. */
export async function loadSweepFile(file: string, catalog: readonly TaskInfo[]): Promise<Sweep> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (error) {
    const message = error instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : `cannot be read (${(error as Error).message})`;
    throw new SweepFileError(file, [{ path: "", message }]);
  }
  const hash = await sha256Hex(bytes);
  if (/\.ya?ml$/i.test(file)) {
    throw new SweepFileError(file, [{
      path: "",
      message: "YAML sweep files are not supported; write the sweep as JSON or JSONC",
    }]);
  }
  let raw: unknown;
  try {
    raw = parseJsonc(new TextDecoder().decode(bytes));
  } catch (error) {
    if (!(error instanceof JsoncSyntaxError)) throw error;
    throw new SweepFileError(file, [{ path: "", message: `not valid JSON: ${error.message}` }]);
  }
  const parsed = SweepFile.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new SweepFileError(file, problemsFromIssues(parsed.error.issues));
  return checkSweep(file, hash, parsed.data, catalog);
}

/** SHA-256 of bytes as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function checkSweep(
  file: string,
  hash: string,
  data: SweepFileData,
  catalog: readonly TaskInfo[],
): Promise<Sweep> {
  const problems: SweepProblem[] = [];
  const models = await checkModels(data, problems);
  const tasks = checkTasks(data, catalog, problems);
  duplicates(data.densities, "densities", problems);
  duplicates(data.methods, "methods", problems);
  const exclusions = data.exclude.map((rule, i) =>
    checkRule(rule, `exclude[${i}]`, data, models, problems)
  );
  if (problems.length > 0) throw new SweepFileError(file, problems);
  return {
    name: data.name ?? basename(file).replace(/\.[^.]*$/, ""),
    file,
    hash,
    models,
    densities: data.densities,
    methods: data.methods,
    tasks,
    seed: data.seed,
    repeats: data.repeats,
    devices: data.devices,
    timeoutSeconds: data.timeoutSeconds,
    loadTimeoutSeconds: data.loadTimeoutSeconds,
    ...(data.batch ? { batch: data.batch } : {}),
    retries: data.retries,
    exclusions,
    analysis: { experts: data.analysis.experts ?? false },
  };
}

function duplicates(values: readonly unknown[], path: string, problems: SweepProblem[]): void {
  values.forEach((value, i) => {
    const first = values.indexOf(value);
    if (first < i) {
      problems.push({ path: `${path}[${i}]`, message: `${value} is listed twice` });
    }
  });
}

async function checkModels(data: SweepFileData, problems: SweepProblem[]): Promise<SweepModel[]> {
  const models: SweepModel[] = [];
  for (const [i, entry] of data.models.entries()) {
    const synthetic = /^synthetic:([A-Za-z0-9_.-]+)$/.exec(entry.id);
    if (entry.id.startsWith("synthetic:") && !synthetic) {
      problems.push({
        path: `models[${i}].id`,
        message: "expected synthetic:NAME with a name of letters, digits, '.', '_' or '-'",
      });
    } else if (
      !synthetic && !isHubModelId(entry.id) && !(await isFile(resolve(entry.id, "config.json")))
    ) {
      problems.push({
        path: `models[${i}].id`,
        message: `no Hugging Face folder at ${resolve(entry.id)} (config.json not found); ` +
          "give a folder path (relative to the working directory), a Hub id ORG/NAME[@REVISION] " +
          "or synthetic:NAME",
      });
    }
    const hub = isHubModelId(entry.id) ? parseHubId(entry.id) : undefined;
    const folder = basename(entry.id) === "hf" ? basename(dirname(entry.id)) : basename(entry.id);
    const hubLabel = hub &&
      `${hub.name.split("/").pop()}${hub.revision === "main" ? "" : `@${hub.revision}`}`;
    const label = entry.label ?? (synthetic ? synthetic[1] : hubLabel ?? folder);
    const other = models.findIndex((m) => m.label === label);
    if (other >= 0) {
      problems.push({
        path: `models[${i}].label`,
        message: `label "${label}" is also models[${other}]'s; give each model its own label`,
      });
    }
    models.push({ ...entry, label });
  }
  return models;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

function checkTasks(
  data: SweepFileData,
  catalog: readonly TaskInfo[],
  problems: SweepProblem[],
): SweepTask[] {
  const tasks: SweepTask[] = [];
  const names = catalog.map((t) => t.name);
  for (const [i, entry] of data.tasks.entries()) {
    const info = catalog.find((t) => t.name === entry.name);
    if (!info) {
      const message = `unknown task "${entry.name}"${suggestion(entry.name, names)}`;
      problems.push({ path: `tasks[${i}].name`, message });
      continue;
    }
    const { name: _, modes: ownModes, ...options } = entry;
    for (const [j, mode] of (ownModes ?? []).entries()) {
      if (!info.modes.includes(mode)) {
        problems.push({
          path: `tasks[${i}].modes[${j}]`,
          message: `task ${info.name} has no mode ${mode} (it has: ${info.modes.join(", ")})`,
        });
      }
    }
    // Without modes in the file a task runs in its usual mode (the catalogue's first).
    const modes = ownModes ??
      (data.modes ? info.modes.filter((m) => data.modes!.includes(m)) : info.modes.slice(0, 1));
    if (modes.length === 0) {
      problems.push({
        path: `tasks[${i}]`,
        message: `task ${info.name} runs only in ${info.modes.join(", ")}, which the sweep's ` +
          "modes leave out; add the mode or give the task its own modes",
      });
    }
    tasks.push({ name: info.name, version: info.version, modes, options });
  }
  return tasks;
}

function checkRule(
  rule: Record<string, unknown>,
  path: string,
  data: SweepFileData,
  models: SweepModel[],
  problems: SweepProblem[],
): ExclusionRule {
  const allowed: Record<string, readonly (string | number)[]> = {
    model: models.flatMap((m) => [m.label, m.id]),
    task: data.tasks.map((t) => t.name),
    density: data.densities,
    method: SELECTION_METHODS,
    mode: MODES,
    repeat: Array.from({ length: data.repeats }, (_, r) => r),
  };
  const out: ExclusionRule = {};
  if (Object.keys(rule).length === 0) {
    problems.push({ path, message: "an empty rule would exclude every job" });
  }
  for (const [field, value] of Object.entries(rule)) {
    const known = allowed[field];
    if (!known) {
      problems.push({
        path: `${path}.${field}`,
        message: `unknown field${suggestion(field, EXCLUSION_FIELDS)}`,
      });
      continue;
    }
    const negated = typeof value === "object" && value !== null && !Array.isArray(value);
    const inner = negated ? (value as Record<string, unknown>).not : value;
    const innerPath = negated ? `${path}.${field}.not` : `${path}.${field}`;
    if (negated && Object.keys(value).some((k) => k !== "not")) {
      problems.push({
        path: `${path}.${field}`,
        message: 'expected a value, a list or {"not": …}',
      });
      continue;
    }
    const values = Array.isArray(inner) ? inner : [inner];
    values.forEach((v, k) => {
      if (known.includes(v as string | number)) return;
      const where = Array.isArray(inner) ? `${innerPath}[${k}]` : innerPath;
      const hint = typeof v === "string"
        ? suggestion(v, known.map(String))
        : ` (the sweep has: ${known.join(", ")})`;
      problems.push({ path: where, message: `${JSON.stringify(v)} is not in the sweep${hint}` });
    });
    const test: FieldTest = negated ? { not: values } : { is: values };
    out[field as keyof ExclusionRule] = test;
  }
  return out;
}
