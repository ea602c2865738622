/**
 * The `vlm-analyzer` MCP server entry that install registers with both agents, built by the mcp
 * package from this deployment's facts (credential variable names, endpoint config location, and
 * the project's env file, from which the server reads the proxy tokens as the launchers do).
 * @module
 */
import { resolve } from "node:path";
import { ENDPOINT_CONFIG_ENV } from "vlm-analyzer/endpoint-config";
import { buildServerEntry, type McpServerEntry } from "vlm-analyzer/registration";
import type { EndpointContext } from "./context";

/**
 * The entry, or undefined when the endpoint config has no VLM deployment to analyse images with.
 * @param explicitConfig - an endpoint config path the user gave: the server is pointed at it too.
 */
export function vlmAnalyzerEntry(context: EndpointContext, explicitConfig?: string): McpServerEntry | undefined {
  if (!Object.values(context.config.endpoints).some((e) => e.role === "vlm")) return undefined;
  const { tokenIdEnv, tokenSecretEnv } = context.config.proxyAuth;
  const entry = buildServerEntry({ tokenEnv: { id: tokenIdEnv, secret: tokenSecretEnv }, envFile: resolve(context.envFile) });
  if (explicitConfig) entry.env[ENDPOINT_CONFIG_ENV] = resolve(explicitConfig);
  return entry;
}
