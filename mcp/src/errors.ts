/**
 * The error type for failures the user (or the calling agent) can fix: its message is returned as
 * an `isError: true` tool result as is. Any other error is reported as an internal failure.
 * @module
 */

/** A failure with a message that names what is wrong and how to fix it; never holds a secret. */
export class ToolFailure extends Error {
  override name = "ToolFailure";
}
