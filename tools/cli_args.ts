/**
 * A strict command-line parser for the engine's commands: known flags only, typed values,
 * and a one-line error (exit code 2, no stack trace) for anything else.
 *
 * @module
 */
import { closestName } from "../bench/did_you_mean.ts";

/** A flag's type: a string, a number, a comma list of numbers, or a switch. */
export type FlagKind = "string" | "number" | "numbers" | "switch" | "strings";

/** Parsed values by flag name (without the dashes). */
export type Flags = Record<string, string | number | number[] | boolean | string[] | undefined>;

/** A command-line mistake, reported as one line with exit code 2. */
export class UsageError extends Error {
  /**
   * @example
   * ```ts
   * console.assert(new UsageError("--density: expected a number").name === "UsageError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses `args` against a flag table.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./cli_args.ts";
 * const flags = parseFlags(["--density", "0.5", "--json"], { density: "number", json: "switch" });
 * console.assert(flags.density === 0.5 && flags.json === true);
 * ```
 */
export function parseFlags(args: string[], table: Record<string, FlagKind>): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const kind = table[name];
    if (!kind) {
      const near = closestName(name, Object.keys(table));
      throw new UsageError(`unknown flag --${name}${near ? ` (did you mean --${near}?)` : ""}`);
    }
    if (kind === "switch") {
      flags[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (kind === "string") flags[name] = value;
    else if (kind === "strings") flags[name] = [...(flags[name] as string[] ?? []), value];
    else if (kind === "number") flags[name] = number(name, value);
    else flags[name] = value.split(",").filter((v) => v.trim() !== "").map((v) => number(name, v));
  }
  return flags;
}

function number(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`--${name}: "${value}" is not a number`);
  }
  return n;
}

/** Whole numbers ≥ 0 from a parsed list, or a UsageError naming the flag. */
export function tokenIds(name: string, values: number[]): number[] {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name}: ${v} is not a token id`);
  }
  if (values.length === 0) throw new UsageError(`--${name}: no token ids given`);
  return values;
}
