/**
 * JSON with comments (`//`, `/* *\/`) and trailing commas, as sweep files are written.
 *
 * @module
 */

/** A syntax error in a JSONC text, with its 1-based line and column. */
export class JsoncSyntaxError extends Error {
  /** Creates the error. */
  constructor(message: string, readonly line: number, readonly column: number) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = "JsoncSyntaxError";
  }
}

/**
 * Parses JSONC: comments become spaces (so positions stay put), trailing commas are dropped.
 *
 * @example
 * ```ts
 * import { parseJsonc } from "./jsonc.ts";
 * parseJsonc('{ "a": [1, 2,], // note\n }'); // { a: [1, 2] }
 * ```
 */
export function parseJsonc(text: string): unknown {
  const plain = stripTrailingCommas(stripComments(text));
  try {
    return JSON.parse(plain);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? firstBadOffset(plain));
    const before = text.slice(0, position).split("\n");
    const reason = message.replace(/ in JSON at position.*$/s, "").replace(/\s*\(line.*$/s, "");
    throw new JsoncSyntaxError(reason, before.length, before[before.length - 1].length + 1);
  }
}

/** Offset of the first character no valid JSON text can continue with (binary search). */
function firstBadOffset(text: string): number {
  const viable = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      // A complaint about the end of the prefix means the prefix itself is fine.
      const message = (error as Error).message;
      const at = /position (\d+)/.exec(message)?.[1];
      return at === undefined ? /Unexpected end/.test(message) : Number(at) >= length;
    }
  };
  let low = 0; // viable
  let high = text.length; // not viable
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (viable(middle)) low = middle;
    else high = middle;
  }
  return high - 1;
}

function stripComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") out += " ", i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
  return Math.min(i + 1, text.length);
}

function stripTrailingCommas(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text[j] === "}" || text[j] === "]") {
        out += " ";
        i++;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}
