/**
 * A Hugging Face Hub imitation for tests, on 127.0.0.1 only: the revision API, `resolve` with
 * a 302 to an LFS store on another origin (X-Repo-Commit, X-Linked-Etag, X-Linked-Size, ETag),
 * 401 RepoNotFound / GatedRepo, 404 RevisionNotFound / EntryNotFound, Range requests (206) and
 * transfers cut half-way on demand. Every request is logged with its Authorization header.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** A file of a fake repository. */
export interface FakeFile {
  /** The bytes. */
  bytes: Uint8Array;
  /** Served through the LFS store (etag = sha256) rather than inline (etag = git oid). */
  lfs?: boolean;
}

/**
 * A fake repository at one commit, reachable by its hash and by `refs`; list one entry per
 * commit (same name) for several branches.
 */
export interface FakeRepo {
  /** `model` or `dataset`. */
  type: "model" | "dataset";
  /** `ORG/NAME`. */
  name: string;
  /** The commit hash (40 hex digits). */
  commit: string;
  /** Branch or tag names pointing at the commit (default `["main"]`). */
  refs?: string[];
  /** Files by path. */
  files: Record<string, FakeFile>;
  /** Needs a token: 401 GatedRepo without one, 403 GatedRepo with a wrong one. */
  gated?: boolean;
  /** Needs a token: 401 RepoNotFound without the right one. */
  private?: boolean;
  /** `resolve/<commit>/…` answers RevisionNotFound (an imitation that knows branches only). */
  branchesOnly?: boolean;
}

/** A request the fake Hub saw. */
export interface LoggedRequest {
  /** `hub` or `lfs`. */
  server: "hub" | "lfs";
  /** Method and path. */
  method: string;
  path: string;
  /** The Authorization header, if any. */
  authorization: string | null;
  /** The Range header, if any. */
  range: string | null;
}

/** A running fake Hub. */
export interface FakeHub {
  /** `http://127.0.0.1:PORT` of the Hub (HF_ENDPOINT). */
  endpoint: string;
  /** Origin of the LFS store. */
  lfsOrigin: string;
  /** Every request, in order. */
  log: LoggedRequest[];
  /** The next N LFS transfers of a file path are cut after half their bytes. */
  cut: Map<string, number>;
  /** LFS files (by path) served with one byte changed. */
  corrupt: Set<string>;
  /** The next N LFS transfers of a file path send half their bytes, then nothing, never ending. */
  stall: Map<string, number>;
  /** Stops both servers. */
  close(): Promise<void>;
}

/** The token the fake Hub accepts. */
export const FAKE_TOKEN = "hf_test_token";

/** sha256 hex of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A commit-like hash from a seed text. */
export function fakeCommit(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/**
 * Starts a fake Hub serving `repos`.
 *
 * @example
 * ```ts ignore
 * const hub = await startFakeHub([repo]);
 * Deno.env.set("HF_ENDPOINT", hub.endpoint);
 * await hub.close();
 * ```
 */
export function startFakeHub(
  repos: FakeRepo[],
  plainFiles: Record<string, Uint8Array> = {},
): FakeHub {
  const log: LoggedRequest[] = [];
  const cut = new Map<string, number>();
  const corrupt = new Set<string>();
  const stall = new Map<string, number>();
  const blobs = new Map<string, { bytes: Uint8Array; file: string }>();
  for (const repo of repos) {
    for (const [file, f] of Object.entries(repo.files)) {
      if (f.lfs) blobs.set(sha256(f.bytes), { bytes: f.bytes, file });
    }
  }
  const record = (server: "hub" | "lfs", request: Request) =>
    log.push({
      server,
      method: request.method,
      path: decodeURIComponent(new URL(request.url).pathname),
      authorization: request.headers.get("authorization"),
      range: request.headers.get("range"),
    });
  const lfs = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    record("lfs", request);
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.startsWith("/files/")) {
      const bytes = plainFiles[path.slice("/files/".length)];
      if (!bytes) return new Response("no such file", { status: 404 });
      const left = cut.get(path) ?? 0;
      if (left > 0) cut.set(path, left - 1);
      return serveBytes(request, bytes, left > 0, {});
    }
    const sha = path.split("/").pop() ?? "";
    const blob = blobs.get(sha);
    if (!blob) return new Response("no such object", { status: 404 });
    const left = cut.get(blob.file) ?? 0;
    if (left > 0) cut.set(blob.file, left - 1);
    const stalls = stall.get(blob.file) ?? 0;
    if (stalls > 0) {
      stall.set(blob.file, stalls - 1);
      return serveBytes(request, blob.bytes, "stall", {});
    }
    const bytes = corrupt.has(blob.file)
      ? blob.bytes.map((b, i) => i === 0 ? b ^ 1 : b)
      : blob.bytes;
    return serveBytes(request, bytes, left > 0, {});
  });
  const lfsOrigin = `http://127.0.0.1:${lfs.addr.port}`;
  const hub = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    record("hub", request);
    return answer(request, repos, lfsOrigin);
  });
  return {
    endpoint: `http://127.0.0.1:${hub.addr.port}`,
    lfsOrigin,
    log,
    cut,
    corrupt,
    stall,
    async close() {
      await hub.shutdown();
      await lfs.shutdown();
    },
  };
}

function answer(request: Request, repos: FakeRepo[], lfsOrigin: string): Response {
  const path = decodeURIComponent(new URL(request.url).pathname);
  const api = /^\/api\/(models|datasets)\/(.+)\/revision\/(.+)$/.exec(path);
  const resolve = /^\/(datasets\/)?(.+?)\/resolve\/(.+)$/.exec(path);
  const type = api
    ? (api[1] === "models" ? "model" : "dataset")
    : resolve?.[1]
    ? "dataset"
    : "model";
  const rest = api ? [api[2], api[3]] : resolve ? [resolve[2], resolve[3]] : undefined;
  if (!rest) return error(404, "", "not found");
  const [name, tail] = rest;
  const token = request.headers.get("authorization");
  const named = repos.filter((r) => r.type === type && r.name === name);
  const revisionOf = (r: FakeRepo) =>
    api ? tail : (r.refs ?? ["main"]).concat(r.branchesOnly ? [] : [r.commit])
      .find((x) => tail.startsWith(`${x}/`));
  const repo = named.find((r) => {
    const revision = revisionOf(r);
    return revision === r.commit || (r.refs ?? ["main"]).includes(revision ?? "");
  }) ?? named[0];
  if (!repo || repo.private && token !== `Bearer ${FAKE_TOKEN}`) {
    return error(token ? 404 : 401, "RepoNotFound", "Repository not found");
  }
  // As on the Hub, a gated repository's metadata is public; its files are not.
  if (repo.gated && !api && token !== `Bearer ${FAKE_TOKEN}`) {
    return error(token ? 403 : 401, "GatedRepo", "Access to this model is restricted");
  }
  const refs = repo.refs ?? ["main"];
  const revision = revisionOf(repo);
  if (!revision || (revision !== repo.commit && !refs.includes(revision))) {
    return error(404, "RevisionNotFound", "Invalid rev id");
  }
  if (api) {
    const siblings = Object.keys(repo.files).map((rfilename) => ({ rfilename }));
    return Response.json({ id: repo.name, sha: repo.commit, siblings });
  }
  const file = tail.slice(revision.length + 1);
  const f = repo.files[file];
  if (!f) return error(404, "EntryNotFound", "Entry not found");
  const oid = createHash("sha1").update(f.bytes).digest("hex");
  const headers: Record<string, string> = { "x-repo-commit": repo.commit, etag: `"${oid}"` };
  if (f.lfs) {
    const sha = sha256(f.bytes);
    return new Response(null, {
      status: 302,
      headers: {
        ...headers,
        "x-linked-etag": `"${sha}"`,
        "x-linked-size": String(f.bytes.length),
        location: `${lfsOrigin}/lfs/${sha}`,
      },
    });
  }
  return serveBytes(request, f.bytes, false, headers);
}

function error(status: number, code: string, message: string): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (code) {
    headers["x-error-code"] = code;
    headers["x-error-message"] = message;
  }
  return new Response(JSON.stringify({ error: message }), { status, headers });
}

function serveBytes(
  request: Request,
  bytes: Uint8Array,
  cutHalf: boolean | "stall",
  headers: Record<string, string>,
): Response {
  const range = /^bytes=(\d+)-$/.exec(request.headers.get("range") ?? "");
  const from = range ? Number(range[1]) : 0;
  if (from > bytes.length || (range && from === bytes.length && bytes.length > 0)) {
    return new Response(null, {
      status: 416,
      headers: { "content-range": `bytes */${bytes.length}` },
    });
  }
  const body = bytes.subarray(from);
  const status = range ? 206 : 200;
  const out: Record<string, string> = { ...headers, "content-length": String(body.length) };
  if (range) out["content-range"] = `bytes ${from}-${bytes.length - 1}/${bytes.length}`;
  if (request.method === "HEAD") return new Response(null, { status, headers: out });
  if (!cutHalf) return new Response(body as Uint8Array<ArrayBuffer>, { status, headers: out });
  const half = Math.floor(body.length / 2);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(body.slice(0, half));
    },
    pull(controller) {
      if (cutHalf === "stall") return new Promise(() => {}); // nothing more, ever
      controller.error(new Error("connection cut by the fake Hub"));
    },
  });
  return new Response(stream, { status, headers: out });
}
