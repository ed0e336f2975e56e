/**
 * ModelFileError: a model folder that cannot be used, with a message naming the file and field.
 *
 * @module
 */

/** A bad model file: the message names the file and field. */
export class ModelFileError extends Error {
  /**
   * @example
   * ```ts
   * import { ModelFileError } from "./model_file_error.ts";
   * const e = new ModelFileError("config.json: field hidden_size: expected a number");
   * console.assert(e.name === "ModelFileError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "ModelFileError";
  }
}
