/**
 * From generated text to a scored summary. Evident intent (default): the text is cut at the
 * first `###` only, and an empty summary scores 0. Reference behaviour (`compat: "reference"`):
 * the GRIFFIN script's `text[:text.find("###")]`, which drops the last character when `###`
 * is absent, and the `rouge` package's refusal of an empty hypothesis.
 *
 * @module
 */

import { RougeEmptyError, rougeScores, ZERO_ROUGE } from "./metrics/rouge.ts";

/**
 * The text before the first `###` (all of it when there is none).
 *
 * @example
 * ```ts
 * import { cutAtMarker } from "./summary_output.ts";
 * cutAtMarker("A cat.\n###\nArticle"); // "A cat.\n"
 * ```
 */
export function cutAtMarker(text: string): string {
  const at = text.indexOf("###");
  return at < 0 ? text : text.slice(0, at);
}

/**
 * Python's `text[:text.find("###")]`, counting code points: without `###` the last code point
 * is dropped.
 *
 * @example
 * ```ts
 * import { referenceCut } from "./summary_output.ts";
 * referenceCut("A cat."); // "A cat"
 * ```
 */
export function referenceCut(text: string): string {
  const at = text.indexOf("###");
  if (at >= 0) return text.slice(0, at);
  return Array.from(text).slice(0, -1).join("");
}

/**
 * `{rouge1, rouge2, rougeL}` F-scores of one summary. With `reference` compat an empty
 * hypothesis throws, as the reference script would stop there.
 *
 * @example
 * ```ts
 * import { summaryScores } from "./summary_output.ts";
 * summaryScores("", "A cat.", "intent", "0"); // { rouge1: 0, rouge2: 0, rougeL: 0 }
 * ```
 */
export function summaryScores(
  output: string,
  reference: string,
  compat: "intent" | "reference",
  id: string,
): Record<string, number> {
  let s = ZERO_ROUGE;
  try {
    s = rougeScores(output, reference);
  } catch (error) {
    if (!(error instanceof RougeEmptyError)) throw error;
    if (compat === "reference") {
      throw new Error(
        `Sample ${id}: the Python rouge package refuses an empty ${error.side} ("${error.message}"), so the reference script stops here; run with compat "intent" to score it 0.`,
        { cause: error },
      );
    }
  }
  return { rouge1: s.rouge1.f, rouge2: s.rouge2.f, rougeL: s.rougeL.f };
}
