/**
 * Argument parsing shared by the client and operations commands: every one of them takes
 * `--config <endpoints.json>` and `--env-file <.env>`, and reports a bad argument in one line.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../cli/command";

/** Options every client/operations command accepts. */
export const COMMON_OPTIONS = {
  /** Endpoint config written by `pulumi up` (default: see `defaultEndpointConfigPath`). */
  config: { type: "string" },
  /** dotenv file with the credentials (default: the project's `.env`). */
  "env-file": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Parses a command's arguments with the common options plus its own.
 * @param command - command name, for the error message.
 * @param allowPositionals - whether words without `--` are allowed (they come back in `positionals`).
 * @throws UserError naming the bad option and the command's usage.
 */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
  usage: string,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (err) {
    throw new UserError(`${command}: ${(err as Error).message}\nusage: qwen-code-modal ${command} ${usage}`);
  }
}

/** Parses a whole, positive number option. @throws UserError naming the option. */
export function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--${name} must be a positive number (got "${value}")`);
  return n;
}
