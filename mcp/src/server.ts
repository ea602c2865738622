/**
 * Builds the `vlm-analyzer` MCP server (tools only) for a configuration.
 * @module
 */
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { VLM_ANALYZER_SERVER_NAME as SERVER_NAME } from "@qwen-code-modal/contract";
import type { ServerConfig } from "./config.js";
import { registerTools } from "./tools.js";
import { registerEditTool } from "./edit-tool.js";
import type { ImageEditConfig } from "./image-edit-config.js";

/** The built stdio entry point of this package (`dist/index.js`): what an agent's MCP entry runs. */
export const SERVER_ENTRY_PATH = fileURLToPath(new URL("./index.js", import.meta.url));
/** Server version announced in `initialize`. */
export const SERVER_VERSION = "0.1.0";

/**
 * Creates the MCP server with its three tools, plus `edit_image` when an image-edit deployment is
 * configured; connect it to a transport to serve.
 * @param env - environment for screen capture (tool choice and PATH); default `process.env`.
 */
export function createVlmAnalyzerServer(config: ServerConfig, env: NodeJS.ProcessEnv = process.env, imageEdit?: ImageEditConfig): McpServer {
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
  if (imageEdit) registerEditTool(server, config, imageEdit);
  return server;
}
