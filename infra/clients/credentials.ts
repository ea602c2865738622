/**
 * The Modal proxy-auth credentials every client command sends: read from the process environment,
 * falling back to the project's env file (`.env` at the project root, dotenv syntax). The exported
 * endpoint config only names the variables; the values never leave memory, never reach a file
 * this project writes, and never appear in an error.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "dotenv";
import { PROXY_AUTH_HEADERS, type EndpointConfig } from "vlm-analyzer/endpoint-config";
import { UserError } from "../cli/command";
import { projectRoot } from "../paths";

/** Environment variable that points at an env file in a non-default place. */
export const ENV_FILE_ENV = "QCM_ENV_FILE";

/** Modal proxy-auth token id and secret (the `Modal-Key` / `Modal-Secret` header values). */
export interface ProxyCredentials {
  tokenId: string;
  tokenSecret: string;
}

/** The project's env file: `$QCM_ENV_FILE`, else `<project root>/.env`. */
export function defaultEnvFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENV_FILE_ENV] || join(projectRoot(), ".env");
}

/**
 * The environment the commands work with: the env file's variables under the process
 * environment (a variable set in the process wins, as with dotenv).
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

/**
 * Picks the proxy credentials out of an environment, using the variable names the endpoint config gives.
 * @param envFile - named in the error, as the place to add a missing variable.
 * @throws UserError naming the first missing variable and where to set it (never a value).
 */
export function proxyCredentials(
  proxyAuth: EndpointConfig["proxyAuth"],
  env: NodeJS.ProcessEnv,
  envFile: string,
): ProxyCredentials {
  for (const name of [proxyAuth.tokenIdEnv, proxyAuth.tokenSecretEnv]) {
    if (!env[name]?.trim()) {
      throw new UserError(
        `${name} is not set: add it to ${envFile} or export it (a Modal proxy auth token, ` +
          `created under modal.com/settings > Proxy Auth Tokens)`,
      );
    }
  }
  return { tokenId: env[proxyAuth.tokenIdEnv]!.trim(), tokenSecret: env[proxyAuth.tokenSecretEnv]!.trim() };
}

/** The request headers Modal's proxy auth wants, as an object for HTTP clients. */
export function proxyAuthHeaders(credentials: ProxyCredentials): Record<string, string> {
  return { [PROXY_AUTH_HEADERS.tokenId]: credentials.tokenId, [PROXY_AUTH_HEADERS.tokenSecret]: credentials.tokenSecret };
}
