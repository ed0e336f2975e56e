/**
 * Problems found in a sweep file, each with its path in the file, and the error that lists them.
 *
 * @module
 */
import type { z } from "zod";
import { suggestion } from "./did_you_mean.ts";
import { knownFields } from "./sweep_schema.ts";

/** One thing wrong with a sweep file. */
export interface SweepProblem {
  /** Where in the file, e.g. `tasks[2].limit` (empty for the file as a whole). */
  path: string;
  /** What is wrong and what to do, as a sentence. */
  message: string;
}

/** A sweep file that cannot run; its message lists every problem. */
export class SweepFileError extends Error {
  /** Creates the error for `file` with its problems. */
  constructor(readonly file: string, readonly problems: SweepProblem[]) {
    const n = problems.length;
    const lines = problems.map((p) => `  ${p.path ? `${p.path}: ` : ""}${p.message}`);
    super(`${file}: ${n} problem${n === 1 ? "" : "s"}; nothing was run:\n${lines.join("\n")}`);
    this.name = "SweepFileError";
  }
}

/** Formats a path like `tasks[2].limit`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  }
  return out;
}

/** Turns zod's issues into problems with paths and "did you mean" suggestions. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): SweepProblem[] {
  const problems: SweepProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownFields(issue.path);
      for (const key of issue.keys) {
        problems.push({
          path: formatPath([...issue.path, key]),
          message: `unknown field${suggestion(key, known)}`,
        });
      }
    } else if (issue.code === "invalid_value" && issue.values.every((v) => typeof v === "string")) {
      const known = issue.values as string[];
      const given = issue.input;
      problems.push({
        path: formatPath(issue.path),
        message: typeof given === "string"
          ? `unknown name "${given}"${suggestion(given, known)}`
          : `expected one of ${known.join(", ")}`,
      });
    } else if (issue.code === "invalid_type" && issue.input === undefined) {
      problems.push({ path: formatPath(issue.path), message: "missing (it is required)" });
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}
