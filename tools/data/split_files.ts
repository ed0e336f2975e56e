/**
 * Which of a dataset repository's files hold one configuration's split, whatever layout the
 * repository uses: `CONFIG/SPLIT-00000-of-00001.parquet` (the Hub's no-script layout),
 * `data/SPLIT-….parquet`, `CONFIG/SPLIT/0000.parquet` or `CONFIG/partial-SPLIT/…` (the
 * `refs/convert/parquet` branch), `CONFIG/NAME-SPLIT.parquet` (its older form), JSONL alike.
 *
 * @module
 */

const DATA = /\.(parquet|jsonl)$/;

/**
 * The files of `config`/`split` among `files`, sorted (shards in order); empty when none.
 *
 * @example
 * ```ts
 * import { splitFiles } from "./split_files.ts";
 * const files = ["boolq/train-00000-of-00001.parquet", "boolq/validation-00000-of-00001.parquet",
 *   "copa/validation-00000-of-00001.parquet"];
 * console.assert(splitFiles(files, "boolq", "validation")[0] === files[1]);
 * ```
 */
export function splitFiles(files: readonly string[], config: string | undefined, split: string) {
  const matches = files.filter((f) => DATA.test(f) && holdsSplit(f, split));
  const inConfig = config === undefined
    ? matches
    : matches.filter((f) => f.split("/").slice(0, -1).includes(config));
  if (inConfig.length > 0) return inConfig.toSorted();
  // A repository with one configuration may keep its files under data/ or at the top.
  const loose = matches.filter((f) => {
    const dirs = f.split("/").slice(0, -1);
    return dirs.length === 0 || dirs[0] === "data" || dirs[0] === "default";
  });
  if (config === undefined) return loose.toSorted();
  // …or name the configuration in the file: `boolq-validation.parquet`.
  return loose.filter((f) => f.split("/").at(-1)!.startsWith(`${config}-`)).toSorted();
}

function holdsSplit(file: string, split: string): boolean {
  const parts = file.split("/");
  const base = parts.at(-1)!.replace(DATA, "");
  if (parts.slice(0, -1).some((d) => d === split || d === `partial-${split}`)) return true;
  return base === split || base.startsWith(`${split}-`) || base.endsWith(`-${split}`) ||
    base.startsWith(`${split}.`);
}
