/**
 * Shared option handling for commands that read the stack config outside Pulumi.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { readRawConfigFile } from "../config/file";
import { resolveConfig, type ResolvedConfig } from "../config/resolve";
import { UserError } from "./command";

/**
 * Parses `args` with node:util parseArgs (strict), turning its errors into {@link UserError}.
 */
export function parseOptions<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** The `--config FILE` option: a JSON stack config (see README, "Configuration"). */
export const configOption = { config: { type: "string" } } as const;

/**
 * Resolves the stack config: the embedded defaults, overridden by `--config FILE` when given.
 * @throws UserError with every invalid key listed.
 */
export async function loadConfig(configFile: string | undefined): Promise<ResolvedConfig> {
  const raw = configFile ? await readRawConfigFile(configFile).catch((e: Error) => Promise.reject(new UserError(e.message))) : {};
  try {
    return resolveConfig(raw);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
