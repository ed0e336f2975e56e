/**
 * chart.js's browser build, read from the npm package the project depends on, for inlining:
 * the report must open from disk with no network.
 *
 * @module
 */

let cached: Promise<{ source: string; version: string }> | undefined;

/**
 * The UMD build of chart.js (which defines the global `Chart`) and its version; the source-map
 * comment is cut so a browser never asks for a file that is not there.
 *
 * @example
 * ```ts ignore
 * import { chartJsSource } from "./chartjs.ts";
 * const { source, version } = await chartJsSource();
 * ```
 */
export function chartJsSource(): Promise<{ source: string; version: string }> {
  cached ??= (async () => {
    const entry = new URL(import.meta.resolve("chart.js"));
    const umd = new URL("./chart.umd.min.js", entry);
    let source: string;
    try {
      source = await Deno.readTextFile(umd);
    } catch (error) {
      throw new Error(
        `cannot read chart.js's browser build at ${umd.pathname}: run \`deno install\` in the ` +
          "repository root so node_modules/chart.js exists",
        { cause: error },
      );
    }
    const pkg = JSON.parse(await Deno.readTextFile(new URL("../package.json", entry)));
    source = source.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n");
    return { source: source.replaceAll("</script", "<\\/script"), version: String(pkg.version) };
  })();
  return cached;
}

/** The page's own script (charts, error bars, sortable tables). */
export async function clientScript(): Promise<string> {
  const text = await Deno.readTextFile(new URL("./client.js", import.meta.url));
  return text.replaceAll("</script", "<\\/script");
}
