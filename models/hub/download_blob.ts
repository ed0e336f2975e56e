/**
 * Downloads one blob into the cache: into `blobs/<etag>.incomplete` (the name huggingface_hub
 * uses, so either tool resumes the other's partial file), resumed with an HTTP Range request
 * when a transfer is cut, checked against its size and, for LFS files, its sha256, and only
 * then renamed to `blobs/<etag>`. Nothing half-written is ever under the final name.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { HubError } from "./hub_error.ts";
import type { FileMetadata } from "./file_metadata.ts";
import { hubFetch, throwHubError } from "./hub_http.ts";
import type { HubRepo } from "./hub_id.ts";
import type { HubSettings } from "./hub_settings.ts";

/** Attempts per file when transfers are cut (each resumes where the last stopped). */
export const ATTEMPTS = 5;

/**
 * Downloads `meta` to `blobPath`; `onBytes` hears of every chunk written (negative when bytes
 * written earlier are discarded).
 *
 * @example
 * ```ts ignore
 * await downloadBlob(settings, repo, meta, cache.blob(meta.etag), (n) => bar.add(n));
 * ```
 */
export async function downloadBlob(
  settings: HubSettings,
  repo: HubRepo,
  meta: FileMetadata,
  blobPath: string,
  onBytes: (bytes: number) => void = () => {},
): Promise<void> {
  const partial = `${blobPath}.incomplete`;
  let hasher: { hash: Hash; bytes: number } | undefined;
  let lastError: unknown;
  let fresh = false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let have = sizeOf(partial);
    if (meta.size !== undefined && have > meta.size || fresh) {
      onBytes(-have);
      have = await truncate(partial);
      fresh = false;
    }
    if (meta.size === undefined || have < meta.size) {
      const headers: Record<string, string> = { "accept-encoding": "identity" };
      if (have > 0) headers.range = `bytes=${have}-`;
      const stall = new StallTimer(settings.stallMs);
      let response: Response;
      try {
        response = await hubFetch(settings, meta.downloadUrl, { headers, signal: stall.signal });
      } catch (error) {
        stall.clear();
        if (!stall.signal.aborted) throw error;
        lastError = new Error(`nothing received for ${settings.stallMs / 1000} s`);
        continue;
      }
      if (response.status === 416) {
        await response.body?.cancel();
        fresh = true;
        continue;
      }
      if (!response.ok) await throwHubError(response, settings, repo, meta.file);
      if (response.status !== 206 && have > 0) {
        onBytes(-have);
        have = await truncate(partial);
      }
      if (have === 0) hasher = undefined;
      if (!hasher || hasher.bytes !== have) hasher = await hashOf(partial);
      onBytes(have > 0 && attempt === 0 ? have : 0);
      try {
        await appendBody(response, partial, hasher, (n) => (stall.reset(), onBytes(n)));
      } catch (error) {
        if (error instanceof HubError) throw error;
        lastError = stall.signal.aborted
          ? new Error(`nothing received for ${settings.stallMs / 1000} s`)
          : error;
        continue; // cut half-way: resume from what was written
      } finally {
        stall.clear();
      }
      if (meta.size !== undefined && sizeOf(partial) < meta.size) continue;
    }
    hasher ??= await hashOf(partial);
    const size = sizeOf(partial);
    if (meta.size !== undefined && size !== meta.size) {
      lastError = new Error(`got ${size} bytes, expected ${meta.size}`);
      fresh = true;
      continue;
    }
    const digest = hasher.hash.digest("hex");
    if (meta.lfs && digest !== meta.etag) {
      await Deno.remove(partial);
      throw new HubError(
        "checksum",
        `${repo.name} ${meta.file}: downloaded bytes have sha256 ${digest}, the Hub says ` +
          `${meta.etag}; the partial file was removed, run again`,
      );
    }
    await Deno.rename(partial, blobPath);
    return;
  }
  throw new HubError(
    "network",
    `${repo.name} ${meta.file}: download failed after ${ATTEMPTS} attempts ` +
      `(${(lastError as Error | undefined)?.message ?? "cut short"}); run again to resume`,
  );
}

function sizeOf(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

async function truncate(path: string): Promise<0> {
  await Deno.writeFile(path, new Uint8Array());
  return 0;
}

async function hashOf(path: string): Promise<{ hash: Hash; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    using file = await Deno.open(path);
    for await (const chunk of file.readable) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { hash, bytes };
}

async function appendBody(
  response: Response,
  partial: string,
  hasher: { hash: Hash; bytes: number },
  onBytes: (bytes: number) => void,
): Promise<void> {
  using file = await Deno.open(partial, { write: true, create: true, append: true });
  if (!response.body) return;
  for await (const chunk of response.body) {
    try {
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
    } catch (error) {
      throw diskError(error, partial);
    }
    hasher.hash.update(chunk);
    hasher.bytes += chunk.length;
    onBytes(chunk.length);
  }
}

/** A write error as a HubError when the disk is full; other errors unchanged. */
export function diskError(error: unknown, path: string): unknown {
  const e = error as { code?: string; message?: string };
  if (e?.code === "ENOSPC" || /no space left/i.test(e?.message ?? "")) {
    return new HubError(
      "disk-full",
      `disk full writing ${path}: free space there or set HF_HUB_CACHE to a larger disk ` +
        "(the partial file is kept; the next run resumes it)",
      { cause: error },
    );
  }
  return error;
}

/** Aborts its signal when `reset` is not called for `ms` milliseconds. */
class StallTimer {
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout>;

  constructor(readonly ms: number) {
    this.#timer = setTimeout(() => this.#controller.abort(), ms);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#controller.abort(), this.ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}
