/**
 * Where the Hub is and who asks: the cache root shared with Python's huggingface_hub, the
 * endpoint, the token and offline mode, all from the environment as huggingface_hub reads it.
 *
 * @module
 */
import { getHFHubCachePath } from "@huggingface/hub";

/** Settings of one Hub client. */
export interface HubSettings {
  /** The cache root: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir: string;
  /** `$HF_ENDPOINT` without a trailing slash (default `https://huggingface.co`). */
  endpoint: string;
  /** `$HF_TOKEN`, else the token file under `$HF_HOME`; undefined when there is none. */
  token?: string;
  /** `HF_HUB_OFFLINE=1`: the cache only, never the network. */
  offline: boolean;
  /** A transfer that sends nothing for this long is cut and resumed
   * (`$HF_HUB_DOWNLOAD_TIMEOUT` seconds, default 10, as huggingface_hub). */
  stallMs: number;
  /** Files downloaded at once (default 4). */
  concurrency: number;
  /** Draw a live progress bar on stderr (default: when stderr is a terminal, unless
   * `HF_HUB_DISABLE_PROGRESS_BARS=1`); otherwise one line per downloaded file. */
  progress: boolean;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/**
 * Settings from the environment, each overridable.
 *
 * @example
 * ```ts
 * import { hubSettings } from "./hub_settings.ts";
 * const s = hubSettings({ cacheDir: "/tmp/hub", offline: true });
 * console.assert(s.cacheDir === "/tmp/hub" && s.offline);
 * ```
 */
export function hubSettings(overrides: Partial<HubSettings> = {}): HubSettings {
  const env = (name: string) => Deno.env.get(name) || undefined;
  return {
    cacheDir: getHFHubCachePath(),
    endpoint: (env("HF_ENDPOINT") ?? "https://huggingface.co").replace(/\/+$/, ""),
    token: readToken(),
    offline: TRUE.has((env("HF_HUB_OFFLINE") ?? "").toLowerCase()),
    stallMs: 1000 * (Number(env("HF_HUB_DOWNLOAD_TIMEOUT")) || 10),
    concurrency: 4,
    progress: Deno.stderr.isTerminal() && !TRUE.has(env("HF_HUB_DISABLE_PROGRESS_BARS") ?? ""),
    ...overrides,
  };
}

function readToken(): string | undefined {
  const fromEnv = Deno.env.get("HF_TOKEN") || Deno.env.get("HUGGING_FACE_HUB_TOKEN");
  if (fromEnv) return fromEnv.trim();
  const home = Deno.env.get("HF_HOME") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache`}/huggingface`;
  const file = Deno.env.get("HF_TOKEN_PATH") ?? `${home}/token`;
  try {
    return Deno.readTextFileSync(file).trim() || undefined;
  } catch {
    return undefined;
  }
}
