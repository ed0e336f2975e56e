/**
 * Test helpers for loaders: a temporary file and the shared data folder, if present.
 *
 * @module
 */

import { defaultDataRoot } from "../data_path.ts";

/** Writes `text` to a new temporary file and returns its path. */
export async function tempFile(name: string, text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "griffin_tasks_" });
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

/** The path of a shared data file when it exists, else undefined. */
export function sharedFile(relative: string): string | undefined {
  const path = `${defaultDataRoot()}/${relative}`;
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/** JSON Lines of the given rows. */
export function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}
