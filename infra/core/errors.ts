/**
 * The project's error types, at the bottom so every layer can throw them without importing the
 * CLI. Only the CLI entry (infra/cli/main.ts) and the Pulumi program format them.
 * @module
 */

/**
 * An error whose message is meant for the user as is: one line (or a short list) naming the field,
 * the value and the fix. The CLI prints it without a stack trace and exits 1. Subclasses
 * (ShimCheckError, ...) keep their own name and data.
 */
export class UserError extends Error {
  override name = "UserError";
}
