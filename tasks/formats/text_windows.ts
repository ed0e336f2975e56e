/**
 * Plain text (WikiText-2, TinyStories, any UTF-8 file) cut into token windows for perplexity.
 * The text is encoded without BOS; windows of `windowTokens` ids follow each other without
 * overlap; a last window shorter than `promptTokens + 1` is dropped. With a limit only a
 * prefix of the file is encoded (cut at whitespace, grown until it holds enough windows).
 *
 * @module
 */

import type { LanguageModel } from "../../engine/types.ts";

/** One window: its first `promptTokens` ids are the prompt, the rest are scored. */
export interface TextWindow {
  /** Window number. */
  id: string;
  /** Prompt-phase ids. */
  promptIds: number[];
  /** Scored ids (generation phase, teacher-forced). */
  scoredIds: number[];
}

function cut(
  ids: number[],
  windowTokens: number,
  promptTokens: number,
  limit?: number,
): TextWindow[] {
  const windows: TextWindow[] = [];
  for (let start = 0; start + promptTokens < ids.length; start += windowTokens) {
    const w = ids.slice(start, start + windowTokens);
    windows.push({
      id: String(windows.length),
      promptIds: w.slice(0, promptTokens),
      scoredIds: w.slice(promptTokens),
    });
    if (limit !== undefined && windows.length === limit) break;
  }
  return windows;
}

/**
 * Encodes a text file into windows.
 *
 * @example
 * ```ts
 * import { loadTextWindows } from "./text_windows.ts";
 * // const windows = await loadTextWindows(model, "wikitext2_test.txt", 512, 256, 10);
 * ```
 */
export async function loadTextWindows(
  model: LanguageModel,
  path: string,
  windowTokens: number,
  promptTokens: number,
  limit?: number,
): Promise<TextWindow[]> {
  const text = await Deno.readTextFile(path);
  if (text.trim() === "") throw new Error(`${path}: the text file is empty.`);
  if (limit === undefined) {
    return cut(model.encode(text, { addBos: false }), windowTokens, promptTokens);
  }
  // Whole windows only, from a prefix long enough to hold `limit` of them.
  for (let chars = limit * windowTokens * 8;; chars *= 2) {
    if (chars >= text.length) {
      return cut(model.encode(text, { addBos: false }), windowTokens, promptTokens, limit);
    }
    const end = text.lastIndexOf(" ", chars);
    const ids = model.encode(text.slice(0, end > 0 ? end : chars), { addBos: false });
    if (ids.length >= limit * windowTokens + windowTokens) {
      return cut(ids, windowTokens, promptTokens, limit);
    }
  }
}
