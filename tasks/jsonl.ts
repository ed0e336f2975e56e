/**
 * Reads JSON Lines with errors that name the file and line.
 *
 * @module
 */

/**
 * The objects of a JSONL file (blank lines skipped). Throws with file and line on bad JSON or
 * a line that is not an object.
 *
 * @example
 * ```ts
 * import { readJsonl } from "./jsonl.ts";
 * // const rows = await readJsonl("/data/tasks/mc/copa.jsonl");
 * ```
 */
export async function readJsonl(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  const rows: Record<string, unknown>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(cause as Error).message}).`, { cause });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error(`${path}:${i + 1}: each line must be a JSON object.`);
    }
    rows.push(value as Record<string, unknown>);
  }
  return rows;
}

/**
 * Reads a required field of a row with a type check; errors name the file, row and field.
 *
 * @example
 * ```ts
 * import { field } from "./jsonl.ts";
 * field({ gold: 1 }, "gold", "number", "copa.jsonl", 0); // 1
 * ```
 */
export function field<T extends "string" | "number" | "array">(
  row: Record<string, unknown>,
  name: string,
  type: T,
  path: string,
  index: number,
): T extends "string" ? string : T extends "number" ? number : unknown[] {
  const value = row[name];
  const ok = (Array.isArray(value) ? "array" : typeof value) === type;
  if (!ok) {
    throw new Error(
      `${path}: row ${index + 1} needs field "${name}" as a ${type}, got ${
        JSON.stringify(value)?.slice(0, 60)
      }.`,
    );
  }
  return value as T extends "string" ? string : T extends "number" ? number : unknown[];
}
