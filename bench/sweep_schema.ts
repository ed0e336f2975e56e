/**
 * The shape of a sweep file, as a zod schema. Semantic checks that need more than the shape
 * (task names, model folders, exclusion rules) live in sweep_file.ts.
 *
 * @module
 */
import { z } from "zod";
import { MODES, SELECTION_METHODS } from "../engine/types.ts";

const positiveInt = () =>
  z.number({ error: "expected a positive integer" })
    .int({ error: "expected a positive integer" })
    .positive({ error: "expected a positive integer" });
const count = () =>
  z.number({ error: "expected a whole number ≥ 0" })
    .int({ error: "expected a whole number ≥ 0" })
    .nonnegative({ error: "expected a whole number ≥ 0" });
const positive = () =>
  z.number({ error: "expected a positive number" }).positive({
    error: "expected a positive number",
  });
const fraction = () =>
  z.number({ error: "expected a number from 0 to 1" })
    .min(0, { error: "expected a number from 0 to 1" })
    .max(1, { error: "expected a number from 0 to 1" });
const text = () => z.string({ error: "expected a string" }).min(1, { error: "expected a name" });
const list = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: "expected a list" }).min(1, { error: "expected at least one entry" });

/** One model: a Hugging Face folder or `synthetic:NAME`, with how to open it. */
export const ModelEntry = z.strictObject({
  id: text(),
  label: text().optional(),
  dtype: z.enum(["f32", "f16", "bf16"], { error: "expected f32, f16 or bf16" }).optional(),
  options: z.record(z.string(), z.unknown(), { error: "expected an object" }).optional(),
});

/** One task and the options it runs with (see tasks/mod.ts's TaskOptions). */
export const TaskEntry = z.strictObject({
  name: text(),
  modes: list(z.enum(MODES, { error: `expected ${MODES.join(" or ")}` })).optional(),
  path: text().optional(),
  limit: positiveInt().optional(),
  shots: count().optional(),
  seed: count().optional(),
  maxNewTokens: positiveInt().optional(),
  greedy: z.boolean({ error: "expected true or false" }).optional(),
  temperature: positive().optional(),
  topP: z.number().gt(0, { error: "expected a number in (0, 1]" })
    .max(1, { error: "expected a number in (0, 1]" }).optional(),
  topK: count().optional(),
  agreement: z.boolean({ error: "expected true or false" }).optional(),
  compat: z.enum(["intent", "reference"], { error: "expected intent or reference" }).optional(),
  format: z.enum(["dataset", "llm-foundry"], { error: "expected dataset or llm-foundry" })
    .optional(),
  windowTokens: positiveInt().optional(),
  promptTokens: positiveInt().optional(),
});

/** Which devices run the sweep; the command line overrides each field. */
export const DevicesEntry = z.strictObject({
  gpus: z.union([z.literal("all"), z.literal("none"), z.array(count())], {
    error: 'expected "all", "none" or a list of GPU indices',
  }).optional(),
  workersPerGpu: positiveInt().optional(),
  cpuWorkers: positiveInt().optional(),
});

/** What the sweep records beyond metrics: `experts` adds per-sample expert facts (density < 1). */
export const AnalysisEntry = z.strictObject({
  experts: z.boolean({ error: "expected true or false" }).optional(),
});

const asObject = (key: string) => (value: unknown) =>
  typeof value === "string" ? { [key]: value } : value;

/** A whole sweep file. */
/** `batch`: how many requests one engine call takes, and whether generation tasks batch. */
const BatchEntry = z.strictObject({
  maxTokens: positiveInt().optional(),
  maxSequences: positiveInt().optional(),
  generation: z.boolean({ error: "expected true or false" }).optional(),
});

export const SweepFile = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, {
    error: "expected a name of letters, digits, '.', '_' or '-'",
  }).optional(),
  description: z.string().optional(),
  models: list(z.preprocess(asObject("id"), ModelEntry)),
  densities: list(fraction()),
  methods: list(z.enum(SELECTION_METHODS)).default(["topk"]),
  modes: list(z.enum(MODES)).optional(),
  tasks: list(z.preprocess(asObject("name"), TaskEntry)),
  seed: count().default(42),
  repeats: positiveInt().default(1),
  devices: DevicesEntry.default({}),
  timeoutSeconds: positive().default(3600),
  loadTimeoutSeconds: positive().default(1800),
  batch: BatchEntry.optional(),
  retries: count().default(0),
  exclude: z.array(z.record(z.string(), z.unknown(), { error: "expected an object" }), {
    error: "expected a list",
  }).default([]),
  analysis: AnalysisEntry.default({}),
});

/** A sweep file after the shape check (defaults filled in). */
export type SweepFileData = z.infer<typeof SweepFile>;
/** One model entry after the shape check. */
export type ModelEntryData = z.infer<typeof ModelEntry>;
/** One task entry after the shape check. */
export type TaskEntryData = z.infer<typeof TaskEntry>;

/** The fields an object at a path may have, for "did you mean" on unknown fields. */
export function knownFields(path: readonly PropertyKey[]): string[] {
  const shapes: Record<string, z.ZodObject> = {
    "": SweepFile,
    models: ModelEntry,
    tasks: TaskEntry,
    devices: DevicesEntry,
    analysis: AnalysisEntry,
    batch: BatchEntry,
  };
  const key = path.length === 0 ? "" : String(path[0]);
  return Object.keys(shapes[key]?.shape ?? {});
}
