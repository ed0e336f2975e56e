/**
 * Typed reading of a dataset row's fields (dotted paths such as `choices.text`), with errors
 * that name the task, the file, the row and the field.
 *
 * @module
 */

import { rowFieldError, type RowPlace } from "../task_input_error.ts";

type Kind = "string" | "number" | "strings" | "object";
type Value<K extends Kind> = K extends "string" ? string
  : K extends "number" ? number
  : K extends "strings" ? string[]
  : Record<string, unknown>;

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? "strings" : "array";
  return value === null ? "null" : typeof value;
}

const DESCRIBE: Record<Kind, string> = {
  string: "a string",
  number: "a number",
  strings: "a list of strings",
  object: "an object",
};

/**
 * A row's field by dotted path, checked against a kind; throws a {@link TaskInputError} naming
 * the task, file, row and field when it is missing or of another kind.
 *
 * @example
 * ```ts
 * import { rowField } from "./row_fields.ts";
 * const where = { task: "arc_easy", path: "arc.jsonl", row: 0 };
 * rowField({ choices: { text: ["a", "b"] } }, "choices.text", "strings", where); // ["a", "b"]
 * ```
 */
export function rowField<K extends Kind>(
  row: Record<string, unknown>,
  path: string,
  kind: K,
  where: RowPlace,
): Value<K> {
  let value: unknown = row;
  for (const part of path.split(".")) {
    value = value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)[part]
      : undefined;
  }
  if (value === undefined) throw rowFieldError(where, path, "is missing");
  if (kindOf(value) !== kind) {
    throw rowFieldError(
      where,
      path,
      `must be ${DESCRIBE[kind]}, got ${JSON.stringify(value)?.slice(0, 60)}`,
    );
  }
  return value as Value<K>;
}
