/**
 * Headless Chromium for the report's browser test: find the binary, start it with the flags
 * this machine needs (no sandbox as root, no background networking on a closed network), open a
 * page from disk, and collect console errors, canvas pixels and a screenshot.
 *
 * @module
 */
import { CdpConnection, type CdpConnection as Cdp } from "./cdp.ts";

/** Where Chromium is looked for: `$CHROMIUM`, then Debian's and other usual names. */
export const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

/** The Chromium binary, or undefined when none is installed. */
export function findChromium(): string | undefined {
  const env = Deno.env.get("CHROMIUM");
  for (const path of env ? [env, ...CHROMIUM_CANDIDATES] : CHROMIUM_CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What a page showed once loaded. */
export interface PageInspection {
  /** Console errors, uncaught exceptions and error log entries, as text. */
  errors: string[];
  /** Each canvas: its id, size in pixels and how many pixels are not transparent. */
  canvases: { id: string; width: number; height: number; painted: number }[];
  /** The page's title. */
  title: string;
  /** The result of `expression`, when one was given. */
  value: unknown;
}

async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  const reader = stderr.getReader();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
    if (match) {
      reader.releaseLock();
      stderr.pipeTo(new WritableStream()).catch(() => {}); // keep draining
      return match[1];
    }
  }
  throw new Error(`Chromium did not start its DevTools endpoint:\n${text.slice(-2000)}`);
}

async function evaluate(cdp: Cdp, session: string, expression: string): Promise<unknown> {
  const reply = await cdp.send<{ result: { value?: unknown }; exceptionDetails?: unknown }>(
    "Runtime.evaluate",
    { expression, returnByValue: true, awaitPromise: true },
    session,
  );
  if (reply.exceptionDetails) {
    throw new Error(`evaluation failed: ${JSON.stringify(reply.exceptionDetails)}`);
  }
  return reply.result.value;
}

const CANVASES = `[...document.querySelectorAll("canvas")].map((c) => {
  const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return { id: c.id, width: c.width, height: c.height, painted };
})`;

/**
 * Opens `path` (a file) in headless Chromium at a laptop's viewport, waits for it to load,
 * and reports what it showed; saves a PNG of the viewport scrolled to each screenshot's selector.
 */
export async function inspectPage(
  binary: string,
  path: string,
  options: {
    screenshots?: { path: string; selector?: string }[];
    expression?: string;
    width?: number;
    height?: number;
  } = {},
): Promise<PageInspection> {
  const profile = await Deno.makeTempDir({ prefix: "report-chromium-" });
  const child = new Deno.Command(binary, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let cdp: CdpConnection | undefined;
  try {
    cdp = await CdpConnection.connect(await devtoolsUrl(child.stderr));
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const errors: string[] = [];
    cdp.onEvent(({ method, params, sessionId: from }) => {
      if (from !== sessionId) return;
      if (
        method === "Runtime.consoleAPICalled" &&
        (params.type === "error" || params.type === "assert")
      ) {
        errors.push(`console.${params.type}: ${JSON.stringify(params.args)}`);
      } else if (method === "Runtime.exceptionThrown") {
        errors.push(`exception: ${JSON.stringify(params.exceptionDetails)}`);
      } else if (method === "Log.entryAdded") {
        const entry = params.entry as { level: string; text: string; url?: string };
        if (entry.level === "error") errors.push(`log: ${entry.text} ${entry.url ?? ""}`);
      }
    });
    for (const domain of ["Page", "Runtime", "Log"]) {
      await cdp.send(`${domain}.enable`, {}, sessionId);
    }
    const width = options.width ?? 1366, height = options.height ?? 900;
    await cdp.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    }, sessionId);
    const loaded = cdp.waitFor(
      (e) => e.method === "Page.loadEventFired" && e.sessionId === sessionId,
      30_000,
    );
    await cdp.send(
      "Page.navigate",
      { url: new URL(`file://${await Deno.realPath(path)}`).href },
      sessionId,
    );
    await loaded;
    await evaluate(
      cdp,
      sessionId,
      "new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)))",
    );
    const canvases = await evaluate(cdp, sessionId, CANVASES) as PageInspection["canvases"];
    const title = String(await evaluate(cdp, sessionId, "document.title"));
    const value = options.expression
      ? await evaluate(cdp, sessionId, options.expression)
      : undefined;
    for (const shot of options.screenshots ?? []) {
      const selector = JSON.stringify(shot.selector ?? "body");
      await evaluate(cdp, sessionId, `document.querySelector(${selector}).scrollIntoView()`);
      const { data } = await cdp.send<{ data: string }>("Page.captureScreenshot", {
        format: "png",
      }, sessionId);
      await Deno.writeFile(shot.path, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    }
    return { errors, canvases, title, value };
  } finally {
    await cdp?.send("Browser.close").catch(() => {});
    await cdp?.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}
