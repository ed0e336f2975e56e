/**
 * Exclusion rules: which points of the cross product a sweep leaves out.
 *
 * A rule is an object whose fields (`model`, `task`, `density`, `method`, `mode`, `repeat`) each
 * hold a value, a list of values, or `{ "not": value-or-list }`; a job is excluded when it
 * matches every field of some rule. `{ "method": "magnitude", "density": { "not": 0.5 } }`
 * runs `magnitude` only at density 0.5.
 *
 * @module
 */

/** The fields an exclusion rule may test. */
export const EXCLUSION_FIELDS = ["model", "task", "density", "method", "mode", "repeat"] as const;
/** A field an exclusion rule may test. */
export type ExclusionField = typeof EXCLUSION_FIELDS[number];

/** One field's test: the job's value must be in `is` (when given) and not in `not`. */
export interface FieldTest {
  /** Values that match. */
  is?: (string | number)[];
  /** Values that do not match. */
  not?: (string | number)[];
}

/** A rule after checking: a test per field it names. */
export type ExclusionRule = Partial<Record<ExclusionField, FieldTest>>;

/** The values of a job that rules test; `model` holds both the label and the id. */
export interface JobPoint {
  /** The model's label and id. */
  model: string[];
  /** Task name. */
  task: string;
  /** Density. */
  density: number;
  /** Selection method. */
  method: string;
  /** Mode. */
  mode: string;
  /** Repeat index. */
  repeat: number;
}

function matches(test: FieldTest, values: (string | number)[]): boolean {
  if (test.is && !values.some((v) => test.is!.includes(v))) return false;
  if (test.not && values.some((v) => test.not!.includes(v))) return false;
  return true;
}

/** Whether a rule excludes a job. */
export function excludes(rule: ExclusionRule, point: JobPoint): boolean {
  return EXCLUSION_FIELDS.every((field) => {
    const test = rule[field];
    if (test === undefined) return true;
    const value = point[field];
    return matches(test, Array.isArray(value) ? value : [value]);
  });
}

/** Whether any rule excludes a job. */
export function isExcluded(rules: readonly ExclusionRule[], point: JobPoint): boolean {
  return rules.some((rule) => excludes(rule, point));
}
