/**
 * Exact match and token F1 with SQuAD's answer normalisation (as lm-evaluation-harness uses
 * them for CoQA through `transformers`' squad_metrics), and CoQA's leave-one-out over golds.
 *
 * Normalisation: lower-case; drop ASCII punctuation (Python's `string.punctuation`); replace the
 * whole words `a`, `an`, `the` by a space (word boundaries are Unicode letters, digits and `_`);
 * collapse whitespace. Tokens are the normalised text split on whitespace.
 *
 * @module
 */

const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const ARTICLES = /(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu;

/**
 * SQuAD's answer normalisation.
 *
 * @example
 * ```ts
 * import { normalizeAnswer } from "./squad.ts";
 * normalizeAnswer("The  Cat's hat!"); // "cats hat"
 * ```
 */
export function normalizeAnswer(text: string): string {
  const lowered = text.toLowerCase().replace(ASCII_PUNCTUATION, "");
  return lowered.replace(ARTICLES, " ").split(/\s+/u).filter((w) => w.length > 0).join(" ");
}

function answerTokens(text: string): string[] {
  const normal = normalizeAnswer(text);
  return normal === "" ? [] : normal.split(" ");
}

/**
 * 1 when the normalised texts are equal, else 0.
 *
 * @example
 * ```ts
 * import { exactMatch } from "./squad.ts";
 * exactMatch("the Eiffel Tower.", "Eiffel tower"); // 1
 * ```
 */
export function exactMatch(gold: string, prediction: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(prediction) ? 1 : 0;
}

/**
 * Token F1 of the normalised texts (multiset overlap). When either side has no token the
 * score is 1 if both have none, else 0.
 *
 * @example
 * ```ts
 * import { tokenF1 } from "./squad.ts";
 * tokenF1("red big ball", "big ball"); // 0.8
 * ```
 */
export function tokenF1(gold: string, prediction: string): number {
  const g = answerTokens(gold), p = answerTokens(prediction);
  if (g.length === 0 || p.length === 0) return g.length === p.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) same++, counts.set(t, c - 1);
  }
  if (same === 0) return 0;
  const precision = same / p.length, recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * CoQA's scores of one prediction against its gold answers: with several golds, each gold is
 * left out in turn and the best score against the others is averaged; with one gold, the
 * score against it.
 *
 * @example
 * ```ts
 * import { coqaScores } from "./squad.ts";
 * coqaScores(["white", "white cat"], "white"); // { em: 0.5, f1: 0.8333… }
 * ```
 */
export function coqaScores(golds: string[], prediction: string): { em: number; f1: number } {
  if (golds.length === 0) throw new Error("CoQA scoring needs at least one gold answer.");
  if (golds.length === 1) {
    return { em: exactMatch(golds[0], prediction), f1: tokenF1(golds[0], prediction) };
  }
  let em = 0, f1 = 0;
  for (let i = 0; i < golds.length; i++) {
    const others = golds.filter((_, j) => j !== i);
    em += Math.max(...others.map((g) => exactMatch(g, prediction)));
    f1 += Math.max(...others.map((g) => tokenF1(g, prediction)));
  }
  return { em: em / golds.length, f1: f1 / golds.length };
}
