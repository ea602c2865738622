/**
 * The project's dotenv file (Modal credentials, proxy tokens) and the environment every command
 * works with: the file's variables under the process environment.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "dotenv";
import { UserError } from "../cli/command";
import { projectRoot } from "../paths";

/** The project's env file: `$QCM_ENV_FILE`, else `<project root>/.env`. */
export function envFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.QCM_ENV_FILE || join(projectRoot(), ".env");
}

/**
 * The env file's variables under the process environment (a variable set in the process wins,
 * as with dotenv). The process environment is not changed.
 * @param envFile - dotenv file; a missing file adds nothing.
 * @throws UserError naming the file when it exists but cannot be read.
 */
export function loadEnvironment(envFile: string, processEnv: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  let text = "";
  try {
    text = readFileSync(envFile, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw new UserError(`env file ${envFile} cannot be read (${code ?? String(err)})`);
  }
  return { ...parse(text), ...processEnv };
}
