/**
 * The error of bad task input — an unknown task, a missing data file, a row that lacks a field —
 * as one line a user can act on; commands exit 2 on it.
 *
 * @module
 */

/** Bad task input: the message names the task and, where there is one, the file and row. */
export class TaskInputError extends Error {
  /**
   * @example
   * ```ts
   * import { TaskInputError } from "./task_input_error.ts";
   * new TaskInputError('Unknown task "piqq".').name; // "TaskInputError"
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskInputError";
  }
}

/** Where a row is: the task reading it, its file and its 0-based index among the rows. */
export interface RowPlace {
  /** Task name. */
  task: string;
  /** The data file. */
  path: string;
  /** 0-based row index (blank lines not counted): the request dump's `doc`. */
  row: number;
}

/**
 * The error of a row whose field is missing or of the wrong type.
 *
 * @example
 * ```ts
 * import { rowFieldError } from "./task_input_error.ts";
 * rowFieldError({ task: "piqa", path: "p.jsonl", row: 2 }, "sol2", "is missing").message;
 * // 'task "piqa", file p.jsonl, row 2: field "sol2" is missing.'
 * ```
 */
export function rowFieldError(where: RowPlace, field: string, problem: string): TaskInputError {
  return new TaskInputError(
    `task "${where.task}", file ${where.path}, row ${where.row}: field "${field}" ${problem}.`,
  );
}
