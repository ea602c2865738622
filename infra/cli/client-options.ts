/**
 * Argument parsing shared by the client and operations commands: every one of them takes
 * `--config <endpoints.json>` and `--dotenv <.env>`, and reports a bad argument in one line.
 * @module
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../core/errors";
import { parseCommandArgs } from "./options";

/**
 * The dotenv file option: `--dotenv FILE` (default: `$QCM_ENV_FILE`, else the project's `.env`).
 * Not `--env-file`: Node reads `--env-file` itself anywhere in its argv before a `--`, even after
 * the script name (src/node_dotenv.cc `Dotenv::GetDataFromArgs`, called on the whole argv from
 * src/node.cc), and exits 9 (`node: FILE: not found`) when the file is missing. `--env-file` stays
 * accepted as the old name (Node then loads the file too, which changes nothing: variables already
 * set win in both); the project never passes it itself.
 */
export const DOTENV_OPTIONS = {
  dotenv: { type: "string" },
  "env-file": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** The dotenv file named on the command line, by `--dotenv` or its old name `--env-file`. */
export function dotenvFile(values: { dotenv?: string; "env-file"?: string }): string | undefined {
  return values.dotenv ?? values["env-file"];
}

/** Options every client/operations command accepts. */
export const COMMON_OPTIONS = {
  /** Endpoint config written by `pulumi up` (default: see `defaultEndpointConfigPath`). */
  config: { type: "string" },
  ...DOTENV_OPTIONS,
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
