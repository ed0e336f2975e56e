/**
 * ROUGE-1, ROUGE-2 and ROUGE-L as the Python `rouge` package (pltrdy/rouge 1.0.x, default
 * `Rouge()`, the one the GRIFFIN paper used) computes them. Written from its documented
 * behaviour; the rules, exactly:
 *
 * 1. Sentences: the text is split on every `.`; pieces of length 0 are dropped; each piece is
 *    re-joined as `" ".join(piece.split())` (runs of Python whitespace collapse to one space,
 *    ends trimmed). A piece of only whitespace stays, as an empty sentence.
 * 2. No sentences left (the text is empty or only dots): the package raises
 *    "Hypothesis is empty." / "Reference is empty."; here {@link RougeEmptyError}.
 * 3. Words: every sentence split on single spaces, all sentences flattened into one list
 *    (an empty sentence contributes one empty word). No lower-casing, no stemming, no
 *    punctuation removal other than the `.` split; case and other punctuation stay in words.
 * 4. ROUGE-N: the sets of distinct n-grams of the flattened word lists (n-grams cross sentence
 *    boundaries). overlap = |H ∩ R|; p = overlap/|H| (0 when |H| = 0); r = overlap/|R|
 *    (0 when |R| = 0); f = 2·p·r/(p + r + 1e-8).
 * 5. ROUGE-L (summary level): m, n = numbers of distinct words of reference and hypothesis.
 *    For every reference sentence and every hypothesis sentence one longest common
 *    subsequence of their words is rebuilt from the standard table (from the end: equal words
 *    go diagonally; otherwise up when the cell above is strictly larger, else left); the
 *    distinct words of all these subsequences form one union U. r = |U|/m, p = |U|/n,
 *    f = 2·p·r/(p + r + 1e-8).
 *
 * @module
 */

/** Precision, recall and F-score of one ROUGE variant. */
export interface RougeScore {
  /** F-score: 2·p·r/(p + r + 1e-8). */
  f: number;
  /** Precision. */
  p: number;
  /** Recall. */
  r: number;
}

/** ROUGE-1, ROUGE-2 and ROUGE-L of one hypothesis against one reference. */
export interface RougeScores {
  /** Unigram overlap. */
  rouge1: RougeScore;
  /** Bigram overlap. */
  rouge2: RougeScore;
  /** Summary-level longest common subsequence. */
  rougeL: RougeScore;
}

/** Raised, as the Python package raises ValueError, when a text has no sentence. */
export class RougeEmptyError extends Error {
  /** Which side was empty. */
  readonly side: "hypothesis" | "reference";
  /** Builds the error for one side. */
  constructor(side: "hypothesis" | "reference") {
    super(side === "hypothesis" ? "Hypothesis is empty." : "Reference is empty.");
    this.name = "RougeEmptyError";
    this.side = side;
  }
}

// Python's str.isspace() characters: what str.split() with no argument splits on.
// deno-lint-ignore no-control-regex -- Python's str.split() whitespace includes \x1c-\x1f
const PYTHON_WHITESPACE = new RegExp(
  "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+",
);

/**
 * The sentences of a text as the package sees them (rule 1).
 *
 * @example
 * ```ts
 * import { rougeSentences } from "./rouge.ts";
 * rougeSentences("The cat sat.  On the\tmat. "); // ["The cat sat", "On the mat", ""]
 * ```
 */
export function rougeSentences(text: string): string[] {
  return text.split(".").filter((piece) => piece.length > 0).map((piece) =>
    piece.split(PYTHON_WHITESPACE).filter((w) => w.length > 0).join(" ")
  );
}

function words(sentences: string[]): string[] {
  return sentences.flatMap((s) => s.split(" "));
}

function ngramSet(tokens: string[], n: number): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) set.add(JSON.stringify(tokens.slice(i, i + n)));
  return set;
}

function fScore(overlap: number, hypCount: number, refCount: number): RougeScore {
  const p = hypCount === 0 ? 0 : overlap / hypCount;
  const r = refCount === 0 ? 0 : overlap / refCount;
  return { f: 2.0 * ((p * r) / (p + r + 1e-8)), p, r };
}

function rougeN(hyp: string[], ref: string[], n: number): RougeScore {
  const h = ngramSet(words(hyp), n), r = ngramSet(words(ref), n);
  let overlap = 0;
  for (const g of h) if (r.has(g)) overlap++;
  return fScore(overlap, h.size, r.size);
}

/** One LCS of x (reference words) and y (hypothesis words), rebuilt as the package does. */
function lcsWords(x: string[], y: string[]): string[] {
  const cols = y.length + 1;
  const table = new Uint32Array((x.length + 1) * cols);
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      table[i * cols + j] = x[i - 1] === y[j - 1]
        ? table[(i - 1) * cols + j - 1] + 1
        : Math.max(table[(i - 1) * cols + j], table[i * cols + j - 1]);
    }
  }
  const out: string[] = [];
  let i = x.length, j = y.length;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      out.push(x[i - 1]);
      i--, j--;
    } else if (table[(i - 1) * cols + j] > table[i * cols + j - 1]) i--;
    else j--;
  }
  return out.reverse();
}

function rougeL(hyp: string[], ref: string[]): RougeScore {
  const m = new Set(words(ref)).size, n = new Set(words(hyp)).size;
  const union = new Set<string>();
  for (const r of ref) {
    const refWords = r.split(" ");
    for (const h of hyp) for (const w of lcsWords(refWords, h.split(" "))) union.add(w);
  }
  const rec = union.size / m, prec = union.size / n;
  return { f: 2.0 * ((prec * rec) / (prec + rec + 1e-8)), p: prec, r: rec };
}

/**
 * ROUGE-1/2/L of a hypothesis against a reference, as `Rouge().get_scores(hyp, ref)[0]`.
 * Throws {@link RougeEmptyError} where the package raises.
 *
 * @example
 * ```ts
 * import { rougeScores } from "./rouge.ts";
 * rougeScores("the cat sat", "the cat ran").rouge1.f; // ≈ 0.6667
 * ```
 */
export function rougeScores(hypothesis: string, reference: string): RougeScores {
  const hyp = rougeSentences(hypothesis), ref = rougeSentences(reference);
  if (hyp.length === 0) throw new RougeEmptyError("hypothesis");
  if (ref.length === 0) throw new RougeEmptyError("reference");
  return { rouge1: rougeN(hyp, ref, 1), rouge2: rougeN(hyp, ref, 2), rougeL: rougeL(hyp, ref) };
}

/**
 * ROUGE-L F between two outputs of the same prompt (GRIFFIN's and the full model's), with the
 * package's rules but no 1e-8 in the F-score, so identical outputs score exactly 1: two empty
 * outputs agree (1), one empty output does not (0).
 *
 * @example
 * ```ts
 * import { rougeLAgreement } from "./rouge.ts";
 * rougeLAgreement("Lily saw a cat.", "Lily saw a cat."); // 1
 * ```
 */
export function rougeLAgreement(a: string, b: string): number {
  const x = rougeSentences(a), y = rougeSentences(b);
  if (x.length === 0 || y.length === 0) return x.length === y.length ? 1 : 0;
  const { p, r } = rougeL(x, y);
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** All-zero scores: what the evident intent gives an empty hypothesis. */
export const ZERO_ROUGE: RougeScores = Object.freeze({
  rouge1: { f: 0, p: 0, r: 0 },
  rouge2: { f: 0, p: 0, r: 0 },
  rougeL: { f: 0, p: 0, r: 0 },
});
