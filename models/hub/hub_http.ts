/**
 * HTTP to the Hub as huggingface_hub speaks it: the token only to the endpoint's own host,
 * redirects followed by hand (a 302 to the LFS store on another host gets no token), and the
 * Hub's `X-Error-Code` answers turned into {@link HubError}s.
 *
 * @module
 */
import { HubError } from "./hub_error.ts";
import type { HubRepo } from "./hub_id.ts";
import type { HubSettings } from "./hub_settings.ts";

/** `…/api/models/ORG/NAME/revision/REV` (datasets: `api/datasets`). */
export function revisionUrl(settings: HubSettings, repo: HubRepo): string {
  return `${settings.endpoint}/api/${repo.type}s/${repo.name}/revision/` +
    encodeURIComponent(repo.revision);
}

/** `…/ORG/NAME/resolve/REV/FILE` (datasets: `…/datasets/ORG/NAME/…`). */
export function resolveUrl(
  settings: HubSettings,
  repo: HubRepo,
  revision: string,
  file: string,
): string {
  const prefix = repo.type === "dataset" ? "datasets/" : "";
  return `${settings.endpoint}/${prefix}${repo.name}/resolve/${encodeURIComponent(revision)}/` +
    file.split("/").map(encodeURIComponent).join("/");
}

/**
 * Sends one request, following redirects itself: the token goes only to the endpoint's host.
 * With `follow: false` a 3xx comes back as it is.
 *
 * @example
 * ```ts ignore
 * const response = await hubFetch(settings, url, { method: "HEAD", follow: false });
 * ```
 */
export async function hubFetch(
  settings: HubSettings,
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    follow?: boolean;
    signal?: AbortSignal;
  } = {},
): Promise<Response> {
  let current = new URL(url);
  const home = new URL(settings.endpoint).origin;
  for (let hop = 0; hop < 10; hop++) {
    const headers = new Headers(init.headers);
    headers.set("user-agent", "griffin-bench; hf_hub/js");
    if (settings.token && current.origin === home) {
      headers.set("authorization", `Bearer ${settings.token}`);
    }
    let response: Response;
    try {
      response = await fetch(current, {
        method: init.method ?? "GET",
        headers,
        redirect: "manual",
        // Metadata calls get huggingface_hub's budget; downloads bring their own stall timer.
        signal: init.signal ?? AbortSignal.timeout(settings.stallMs),
      });
    } catch (cause) {
      if (init.signal?.aborted) throw cause; // a stalled transfer: the caller resumes it
      throw new HubError(
        "network",
        `cannot reach ${current.origin} (${(cause as Error).message}); set HF_HUB_OFFLINE=1 to ` +
          "use the cache only",
        { cause },
      );
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location || init.follow === false) {
      return response;
    }
    await response.body?.cancel();
    current = new URL(location, current);
  }
  throw new HubError("network", `too many redirects from ${url}`);
}

/**
 * Throws the {@link HubError} that a failed Hub answer means; `file` names the file asked for.
 */
export async function throwHubError(
  response: Response,
  settings: HubSettings,
  repo: HubRepo,
  file?: string,
): Promise<never> {
  const code = response.headers.get("x-error-code") ?? "";
  const said = response.headers.get("x-error-message") ?? (await safeText(response));
  const where = `${repo.type === "dataset" ? "dataset " : ""}${repo.name}`;
  const tokenHint = settings.token
    ? "the token in HF_TOKEN does not give access to it"
    : "if it is private, set HF_TOKEN";
  if (code === "GatedRepo" || /gated/i.test(said) && response.status === 403) {
    throw new HubError(
      "gated",
      settings.token
        ? `${where} is gated and the account of HF_TOKEN has not been granted access: accept ` +
          `its licence at ${settings.endpoint}/${repo.name} and try again`
        : `${where} is gated: set HF_TOKEN to a token of an account that accepted its licence ` +
          `at ${settings.endpoint}/${repo.name}`,
    );
  }
  if (code === "RepoNotFound" || (response.status === 401 && code === "")) {
    throw new HubError(
      "repo-not-found",
      `repository ${where} not found at ${settings.endpoint} (${tokenHint}; check the name)`,
    );
  }
  if (code === "RevisionNotFound") {
    throw new HubError("revision-not-found", `revision "${repo.revision}" not found in ${where}`);
  }
  if (code === "EntryNotFound" || (response.status === 404 && file !== undefined)) {
    throw new HubError(
      "entry-not-found",
      `file ${file ?? "?"} not found in ${where} at revision "${repo.revision}"`,
    );
  }
  if (response.status === 404) {
    throw new HubError("repo-not-found", `repository ${where} not found at ${settings.endpoint}`);
  }
  throw new HubError(
    "network",
    `${settings.endpoint} answered ${response.status} for ${where}${file ? ` ${file}` : ""}` +
      (said ? `: ${said.slice(0, 200)}` : ""),
  );
}

async function safeText(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim();
    try {
      return String(JSON.parse(text).error ?? text);
    } catch {
      return text;
    }
  } catch {
    return "";
  }
}
