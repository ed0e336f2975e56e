/**
 * A download progress bar on stderr: bytes, percent, rate and files, redrawn at most ten times
 * a second on a terminal; elsewhere one line per finished file.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Progress of a set of downloads.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "./progress_bar.ts";
 * const bar = new ProgressBar("org/name", 100, 1, false);
 * bar.add(100);
 * bar.fileDone("model.safetensors");
 * bar.finish();
 * ```
 */
export class ProgressBar {
  #done = 0;
  #files = 0;
  #drawn = 0;
  readonly #start = performance.now();

  /** A bar for `totalBytes` over `totalFiles` files of `label`; `terminal` draws it live. */
  constructor(
    readonly label: string,
    readonly totalBytes: number,
    readonly totalFiles: number,
    readonly terminal: boolean,
  ) {}

  /** Counts bytes written (negative: discarded). */
  add(bytes: number): void {
    this.#done += bytes;
    if (this.terminal && performance.now() - this.#drawn > 100) this.#draw();
  }

  /** Counts a finished file. */
  fileDone(file: string): void {
    this.#files++;
    if (this.terminal) this.#draw();
    else write(`downloaded ${this.label} ${file} (${this.#files}/${this.totalFiles})\n`);
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.terminal) {
      this.#draw();
      write("\n");
    }
  }

  #draw(): void {
    this.#drawn = performance.now();
    const fraction = this.totalBytes > 0 ? Math.min(1, this.#done / this.totalBytes) : 1;
    const width = 30, filled = Math.round(fraction * width);
    const seconds = Math.max((performance.now() - this.#start) / 1000, 1e-3);
    write(
      `\r${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ` +
        `${(fraction * 100).toFixed(0).padStart(3)}% ${gb(this.#done)}/${gb(this.totalBytes)} GB ` +
        `${
          (this.#done / seconds / 2 ** 20).toFixed(1)
        } MB/s, files ${this.#files}/${this.totalFiles}`,
    );
  }
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(2);
}

function write(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}
