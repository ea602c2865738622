/**
 * Argument parsing for every `qwen-code-modal` command, and the stack-config option of the
 * commands that run outside Pulumi (`plan`, `render`).
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { readRawConfigFile } from "../config/file";
import { resolveConfig, type ResolvedConfig } from "../config/resolve";
import { UserError } from "../core/errors";

/** `--help` / `-h` was given: the CLI prints the message (the usage) on stdout and exits 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
}

/**
 * Parses a command's arguments (node:util parseArgs, strict). `--help` or `-h` (before a `--`)
 * asks for the usage instead.
 * @param command - command name, for the error message.
 * @param usage - the command's options, shown after a bad one.
 * @param allowPositionals - whether words without `--` are allowed (they come back in `positionals`).
 * @throws UserError naming the bad option and the command's usage.
 * @throws HelpRequested with the usage line when the arguments ask for help.
 */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
  usage: string,
  allowPositionals = false,
) {
  const own = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (own.includes("--help") || own.includes("-h")) throw new HelpRequested(`usage: qwen-code-modal ${command} ${usage}`);
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UserError(`${command}: ${(err as Error).message}\nusage: qwen-code-modal ${command} ${usage}`);
  }
}

/**
 * The `--stack-config FILE` option: a JSON file `{ "deployments": {...}, "settings": {...} }` with
 * the values of the Pulumi stack config keys (see README, "Configuration").
 */
export const stackConfigOption = { "stack-config": { type: "string" } } as const;

/**
 * Resolves the stack config: the embedded defaults, overridden by `--stack-config FILE` when given.
 * @throws UserError with every invalid key listed.
 */
export async function loadStackConfig(file: string | undefined): Promise<ResolvedConfig> {
  try {
    return resolveConfig(file ? await readRawConfigFile(file) : {});
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
