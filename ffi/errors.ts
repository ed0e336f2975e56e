/**
 * Typed errors for native status codes, and the one `unwrap()` every call goes through.
 *
 * @module
 */

/** gf_status values (cuda/griffin.h). */
export const Status = {
  ok: 0,
  invalidArgument: 1,
  io: 2,
  outOfMemory: 3,
  unsupported: 4,
  state: 5,
  cuda: 6,
  internal: 7,
} as const;

const statusNames: Record<number, string> = Object.fromEntries(
  Object.entries(Status).map(([name, code]) => [code, name]),
);

/** An error reported by the native engine: its status code and message. */
export class EngineError extends Error {
  /** The gf_status code. */
  readonly status: number;
  /**
   * @example
   * ```ts
   * const error = new EngineError(2, "cannot open model.safetensors");
   * console.assert(error.statusName === "io");
   * ```
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = "EngineError";
    this.status = status;
  }
  /** The status code's name (`io`, `outOfMemory`, …). */
  get statusName(): string {
    return statusNames[this.status] ?? `status ${this.status}`;
  }
}

/** A handle used after `close()`. */
export class ClosedError extends Error {
  /**
   * @example
   * ```ts
   * console.assert(new ClosedError("model").message.includes("closed"));
   * ```
   */
  constructor(what: string) {
    super(`this ${what} is closed; open a new one`);
    this.name = "ClosedError";
  }
}

/**
 * Throws an EngineError unless status is 0, with the message from `lastError()`.
 *
 * @example
 * ```ts
 * unwrap(0, () => ""); // returns quietly
 * ```
 */
export function unwrap(status: number, lastError: () => string): void {
  if (status !== Status.ok) throw new EngineError(status, lastError() || `native status ${status}`);
}
