/**
 * `$GRIFFIN_DATA/manifest.json`: for each file `data fetch` wrote, its task, sha256, size, rows
 * and where it came from (repository and commit, or URL), so a result can name its data.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Where a file came from. */
export interface DataOrigin {
  /** `ORG/NAME` of a Hub dataset. */
  repo?: string;
  /** The revision read (`main`, `refs/convert/parquet`). */
  revision?: string;
  /** The commit it resolved to. */
  commit?: string;
  /** The URL of a file fetched directly. */
  url?: string;
  /** The source files and their sha256. */
  files: { path: string; sha256: string }[];
}

/** One written file. */
export interface ManifestEntry {
  /** The task it serves. */
  task: string;
  /** sha256 (hex) of the file as written. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
  /** JSONL rows. */
  rows: number;
  /** Its origin. */
  source: DataOrigin;
  /** ISO time it was written. */
  fetchedAt: string;
}

/** The manifest: entries by path relative to the data folder. */
export interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
}

/** The manifest's path in `dataDir`. */
export function manifestPath(dataDir: string): string {
  return `${dataDir}/manifest.json`;
}

/**
 * Reads the manifest (empty when there is none).
 *
 * @example
 * ```ts
 * import { readManifest } from "./manifest.ts";
 * console.assert(Object.keys(readManifest("/nonexistent").files).length === 0);
 * ```
 */
export function readManifest(dataDir: string): Manifest {
  try {
    const parsed = JSON.parse(Deno.readTextFileSync(manifestPath(dataDir)));
    return { version: 1, files: parsed.files ?? {} };
  } catch {
    return { version: 1, files: {} };
  }
}

/** Records `entry` for `output` (written through a temporary file and a rename). */
export async function recordInManifest(
  dataDir: string,
  output: string,
  entry: ManifestEntry,
): Promise<void> {
  const manifest = readManifest(dataDir);
  manifest.files[output] = entry;
  await writeAtomically(manifestPath(dataDir), JSON.stringify(manifest, null, 2) + "\n");
}

/** Writes a file under a temporary name, then renames it: never half-written under its name. */
export async function writeAtomically(path: string, text: string | Uint8Array): Promise<void> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  if (typeof text === "string") await Deno.writeTextFile(temporary, text);
  else await Deno.writeFile(temporary, text);
  await Deno.rename(temporary, path);
}

/** sha256 (hex) of a file's bytes, or undefined when it does not exist. */
export function fileSha256(path: string): string | undefined {
  try {
    return createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}
