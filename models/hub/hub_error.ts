/**
 * The one error the Hub client throws for what a user can fix: a repository, revision or file
 * that does not exist, a gated or private repository without a token, offline mode without the
 * files in the cache, a full disk. The command line prints its message and exits 2.
 *
 * @module
 */

/** What went wrong, for callers that branch on it. */
export type HubErrorKind =
  | "repo-not-found"
  | "gated"
  | "revision-not-found"
  | "entry-not-found"
  | "offline"
  | "disk-full"
  | "checksum"
  | "network";

/**
 * A Hub failure with a message a user can act on.
 *
 * @example
 * ```ts
 * import { HubError } from "./hub_error.ts";
 * const error = new HubError("revision-not-found", "revision v9 not found in org/name");
 * console.assert(error.kind === "revision-not-found");
 * ```
 */
export class HubError extends Error {
  /** What went wrong. */
  readonly kind: HubErrorKind;

  /** An error of `kind` with a one-line message. */
  constructor(kind: HubErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HubError";
    this.kind = kind;
  }
}
