/**
 * Builds the `vlm-analyzer` MCP server (tools only) for a configuration.
 * @module
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerConfig } from "./config.js";
import { registerTools } from "./tools.js";

/** Server name announced in the MCP `initialize` result and used as the registration key. */
export const SERVER_NAME = "vlm-analyzer";
/** Server version announced in `initialize`. */
export const SERVER_VERSION = "0.1.0";

/**
 * Creates the MCP server with its three tools; connect it to a transport to serve.
 * @param env - environment for screen capture (tool choice and PATH); default `process.env`.
 */
export function createVlmAnalyzerServer(config: ServerConfig, env: NodeJS.ProcessEnv = process.env): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {} },
      instructions:
        "Image understanding through a self-hosted Qwen3-VL model. Pass absolute file paths. " +
        "The first call after a while may wait minutes for the model to start (progress is reported).",
    },
  );
  registerTools(server, config, env);
  return server;
}
