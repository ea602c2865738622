/**
 * Argument parsing shared by the client and operations commands: every one of them takes
 * `--config <endpoints.json>` and `--env-file <.env>`, and reports a bad argument in one line.
 * @module
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../core/errors";
import { parseCommandArgs } from "./options";

/** Options every client/operations command accepts. */
export const COMMON_OPTIONS = {
  /** Endpoint config written by `pulumi up` (default: see `defaultEndpointConfigPath`). */
  config: { type: "string" },
  /** dotenv file with the credentials (default: the project's `.env`). */
  "env-file": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Parses a client/operations command's arguments: the common options plus its own.
 * @throws UserError naming the bad option and the command's usage.
 */
export function parseClientArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
  usage: string,
  allowPositionals = false,
) {
  return parseCommandArgs(command, args, { ...COMMON_OPTIONS, ...options }, usage, allowPositionals);
}

/** Parses a whole, positive number option. @throws UserError naming the option. */
export function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--${name} must be a positive number (got "${value}")`);
  return n;
}

/** Options of the launchers (`qwen`, `claude`): wake the coder first, within a bound. */
export const WAKE_OPTIONS = {
  /** Seconds to wait for the coder's `/health` through a cold start (default 1200). */
  "wake-timeout": { type: "string" },
  /** Start the agent without waking the coder first. */
  "no-wake": { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;
