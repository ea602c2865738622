/**
 * The one builder of the `vlm-analyzer` MCP stdio server entry that `install` and `register-mcp`
 * write into the agents' settings. Secrets are never written: `install`'s entry holds the path of
 * the project's env file, from which the server reads the proxy tokens as the launchers do;
 * without one, `${VAR}` references that the agent expands from its own environment.
 * @module
 */
import { resolve } from "node:path";
import { ENDPOINT_CONFIG_ENV, VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS, VLM_ANALYZER_ENV } from "@qwen-code-modal/contract";
import { SERVER_ENTRY_PATH } from "vlm-analyzer";
import type { EndpointContext } from "../endpoints/context";

/** What {@link buildServerEntry} needs; every field has a default. */
export interface ServerEntryOptions {
  /** Program that runs the server; default the absolute path of the Node running this code (agents may find an older `node` on PATH). */
  command?: string;
  /** Server script; default {@link SERVER_ENTRY_PATH}. */
  entryPath?: string;
  /**
   * Names of the environment variables that hold the Modal proxy-auth token id and secret in the
   * agent's environment (the endpoint config's `proxyAuth`); default `MODAL_PROXY_TOKEN_ID` / `MODAL_PROXY_TOKEN_SECRET`.
   */
  tokenEnv?: { id: string; secret: string };
  /** Pin the endpoint (not secret); when absent the server reads the endpoint config at start. */
  endpoint?: { baseUrl: string; model: string };
  /** The server's VLM_TIMEOUT, seconds; default 600. */
  timeoutSeconds?: number;
  /**
   * The project's dotenv file with the proxy tokens (`QCM_ENV_FILE`): the server reads the tokens
   * from it when its environment lacks them, as the launchers do. The entry then carries no
   * `${VAR}` references (with them, Claude Code 2.1.330 flags the entry "Missing environment
   * variables" whenever they are not exported); an exported variable still wins, since both
   * agents start stdio servers with their own environment.
   */
  envFile?: string;
}

/** A stdio MCP server entry as both agents read it. */
export interface McpServerEntry {
  command: string;
  args: string[];
  /** Values are literals (non-secret paths and numbers) or `${VAR}` references. */
  env: Record<string, string>;
}

/** `${NAME}`: a reference the agent expands from its environment. */
const ref = (name: string) => `\${${name}}`;

/** Builds the server entry: command, args, and an env with the env file's path, or else `${VAR}` references for the tokens. */
export function buildServerEntry(options: ServerEntryOptions = {}): McpServerEntry {
  const tokenEnv = options.tokenEnv ?? { id: VLM_ANALYZER_ENV.tokenId, secret: VLM_ANALYZER_ENV.tokenSecret };
  const env: Record<string, string> = options.envFile
    ? { [VLM_ANALYZER_ENV.envFile]: options.envFile }
    : { [VLM_ANALYZER_ENV.tokenId]: ref(tokenEnv.id), [VLM_ANALYZER_ENV.tokenSecret]: ref(tokenEnv.secret) };
  env[VLM_ANALYZER_ENV.timeout] = String(options.timeoutSeconds ?? VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS);
  if (options.endpoint) {
    env[VLM_ANALYZER_ENV.endpoint] = options.endpoint.baseUrl;
    env[VLM_ANALYZER_ENV.model] = options.endpoint.model;
  }
  return { command: options.command ?? process.execPath, args: [options.entryPath ?? SERVER_ENTRY_PATH], env };
}

/**
 * The entry for a deployment, or undefined when the endpoint config has no VLM deployment to analyse images with.
 * @param explicitConfig - an endpoint config path the user gave: the server is pointed at it too.
 */
export function vlmAnalyzerEntry(context: EndpointContext, explicitConfig?: string): McpServerEntry | undefined {
  if (!Object.values(context.config.endpoints).some((e) => e.role === "vlm")) return undefined;
  const { tokenIdEnv, tokenSecretEnv } = context.config.proxyAuth;
  const entry = buildServerEntry({ tokenEnv: { id: tokenIdEnv, secret: tokenSecretEnv }, envFile: resolve(context.envFile) });
  if (explicitConfig) entry.env[ENDPOINT_CONFIG_ENV] = resolve(explicitConfig);
  return entry;
}
