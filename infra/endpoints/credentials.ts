/**
 * The Modal proxy-auth credentials every client command sends, picked from the environment that
 * infra/core/environment.ts resolves (process environment over the project's `.env`). The exported
 * endpoint config only names the variables; the values never leave memory, never reach a file
 * this project writes, and never appear in an error.
 * @module
 */
import { PROXY_AUTH_HEADERS, type EndpointConfig } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";
import { outputRedactor } from "../core/redaction";

/** Modal proxy-auth token id and secret (the `Modal-Key` / `Modal-Secret` header values). */
export interface ProxyCredentials {
  tokenId: string;
  tokenSecret: string;
}

/**
 * Picks the proxy credentials out of an environment, using the variable names the endpoint config
 * gives, and teaches their values to the process's redactor (core/redaction.ts).
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
  const credentials = { tokenId: env[proxyAuth.tokenIdEnv]!.trim(), tokenSecret: env[proxyAuth.tokenSecretEnv]!.trim() };
  outputRedactor.learn([credentials.tokenId, credentials.tokenSecret]);
  return credentials;
}

/** The request headers Modal's proxy auth wants, as an object for HTTP clients. */
export function proxyAuthHeaders(credentials: ProxyCredentials): Record<string, string> {
  return { [PROXY_AUTH_HEADERS.tokenId]: credentials.tokenId, [PROXY_AUTH_HEADERS.tokenSecret]: credentials.tokenSecret };
}
