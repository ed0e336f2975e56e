/**
 * Builds the quickstart's two small task files from the shipped model's held-out text,
 * `models/griffin-mini-llama/heldout.txt`, and writes them beside it:
 *
 * - `continuation.jsonl` (task `continuation`, gen mode): 24 rows `{context, continuation}`.
 * - `cloze.jsonl` (task `lambada_openai` with `path`, class mode): 100 rows in LAMBADA's form,
 *   `{context, continuation}` where `continuation` is the passage's last word.
 *
 * No randomness: the same `heldout.txt` always gives the same bytes. The rules, exactly:
 *
 * 1. Documents are the lines of `heldout.txt` (27, one per line); words are the runs of
 *    non-whitespace in a line. A word ends a sentence when, with closing quotes and brackets
 *    (`"')]`) stripped from its end, it ends in `.`, `!` or `?`; the word after it starts one
 *    (as does a document's first word).
 * 2. Continuation rows: row r = 0..23 takes document `floor(k × 27 / 24)` with
 *    `k = 7r mod 24` (24 distinct documents spread over the SOTU, Brown and Moby Dick parts, in
 *    an order where any first rows, as a `limit` takes them, mix the three) and the first
 *    sentence start at or after 40% of its words. `context` is the next 96 words, `continuation` the 40 words
 *    after them, each joined by single spaces (the task puts one space between them).
 * 3. Cloze candidates: every sentence-ending word whose core (the word without the closing
 *    marks of rule 1 and its final run of `.!?`) matches `^[A-Za-z][a-z]{3,}$` (a word of four
 *    or more letters, no digits, hyphens or inner capitals) and is not in {@link FUNCTION_WORDS},
 *    and that has at least 50 words before it in its document. Candidates are listed in file
 *    order; row i = 0..99 takes candidate `floor((i + 0.5) × n / 100)` of the n, so the rows
 *    spread evenly over the whole text.
 * 4. A cloze row's `continuation` is the core word; its `context` is the words from the latest
 *    sentence start at least 50 words before the target up to the word before it, joined by
 *    single spaces (the target's own punctuation is dropped, as in LAMBADA).
 *
 * Run from the repository root: `deno run --allow-read --allow-write tools/make_quickstart_data.ts`.
 *
 * @module
 */

const FOLDER = "models/griffin-mini-llama";
const CONTINUATION_ROWS = 24, CONTEXT_WORDS = 96, CONTINUATION_WORDS = 40, START_AT = 0.4;
const CLOZE_ROWS = 100, CLOZE_MIN_WORDS = 50;

/** Words of four letters or more that carry no content: never a cloze target. */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    "about above across after again against along also although among another anyone " +
    "anything because been before behind being below beside besides between beyond both " +
    "could does doing done down during each either else enough even ever every from have " +
    "having hence here herself himself however into itself just least less like many more " +
    "most much must myself neither never none nothing once only onto other others otherwise " +
    "ourselves over perhaps quite rather same shall should since some something such than " +
    "that their theirs them themselves then there therefore these they this those though " +
    "through thus till under unless until upon very well were what whatever when whence " +
    "where whether which while whom whose will with within without would your yours " +
    "yourself said says made make thing things"
  ).split(" "),
);

const CLOSERS = /["')\]]+$/u;

function endsSentence(word: string): boolean {
  return /[.!?]$/u.test(word.replace(CLOSERS, ""));
}

function clozeCore(word: string): string | undefined {
  const bare = word.replace(CLOSERS, "");
  if (!/[.!?]$/u.test(bare)) return undefined;
  const core = bare.replace(/[.!?]+$/u, "");
  return /^[A-Za-z][a-z]{3,}$/u.test(core) && !FUNCTION_WORDS.has(core.toLowerCase())
    ? core
    : undefined;
}

/** Indices of the words that start a sentence. */
function sentenceStarts(words: string[]): number[] {
  const starts = [0];
  for (let i = 0; i + 1 < words.length; i++) if (endsSentence(words[i])) starts.push(i + 1);
  return starts;
}

/** Rule 2. */
export function continuationRows(documents: string[][]): Record<string, string>[] {
  return Array.from({ length: CONTINUATION_ROWS }, (_, r) => {
    const k = (7 * r) % CONTINUATION_ROWS;
    const words = documents[Math.floor(k * documents.length / CONTINUATION_ROWS)];
    const from = Math.floor(words.length * START_AT);
    const start = sentenceStarts(words).find((s) => s >= from) ?? from;
    const context = words.slice(start, start + CONTEXT_WORDS);
    const continuation = words.slice(
      start + CONTEXT_WORDS,
      start + CONTEXT_WORDS + CONTINUATION_WORDS,
    );
    if (continuation.length < CONTINUATION_WORDS) {
      throw new Error(`Continuation row ${r}: its document is too short for a continuation row.`);
    }
    return { context: context.join(" "), continuation: continuation.join(" ") };
  });
}

/** Rules 3 and 4. */
export function clozeRows(documents: string[][]): Record<string, string>[] {
  const candidates: { words: string[]; at: number; core: string; starts: number[] }[] = [];
  for (const words of documents) {
    const starts = sentenceStarts(words);
    for (let at = CLOZE_MIN_WORDS; at < words.length; at++) {
      const core = clozeCore(words[at]);
      if (core !== undefined) candidates.push({ words, at, core, starts });
    }
  }
  const n = candidates.length;
  if (n < CLOZE_ROWS) throw new Error(`Only ${n} cloze candidates; ${CLOZE_ROWS} needed.`);
  return Array.from({ length: CLOZE_ROWS }, (_, i) => {
    const c = candidates[Math.floor((i + 0.5) * n / CLOZE_ROWS)];
    const start = c.starts.findLast((s) => s <= c.at - CLOZE_MIN_WORDS) ?? 0;
    return { context: c.words.slice(start, c.at).join(" "), continuation: c.core };
  });
}

function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

if (import.meta.main) {
  const text = await Deno.readTextFile(`${FOLDER}/heldout.txt`);
  const documents = text.split("\n").filter((line) => line.trim() !== "").map((line) =>
    line.split(/\s+/u).filter((w) => w !== "")
  );
  for (
    const [name, rows] of [
      ["continuation.jsonl", continuationRows(documents)],
      ["cloze.jsonl", clozeRows(documents)],
    ] as const
  ) {
    const body = jsonl(rows);
    await Deno.writeTextFile(`${FOLDER}/${name}`, body);
    console.log(
      `${FOLDER}/${name}: ${rows.length} rows, ${new TextEncoder().encode(body).length} bytes`,
    );
  }
}
