#!/usr/bin/env node
/**
 * `vlm-analyzer`: the MCP stdio server's entry point (package bin). Loads and validates the
 * configuration, then serves the tools over stdin/stdout; logs go to stderr.
 * @module
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { loadConfig } from "./config.js";
import { loadImageEditConfig, type ImageEditConfig } from "./image-edit-config.js";
import { log } from "./log.js";
import { createVlmAnalyzerServer, SERVER_VERSION } from "./server.js";

async function main(): Promise<void> {
  let loaded;
  let imageEdit: ImageEditConfig | undefined;
  try {
    loaded = await loadConfig();
    imageEdit = await loadImageEditConfig();
  } catch (err) {
    log((err as Error).message);
    process.exitCode = 1;
    return;
  }
  const { config, tokenEnv, endpointConfigPath } = loaded;
  const server = createVlmAnalyzerServer(config, process.env, imageEdit);
  await server.connect(new StdioServerTransport());
  log(
    `${SERVER_VERSION} serving over stdio: endpoint ${config.baseUrl}, model ${config.model}, ` +
      `timeout ${config.timeoutSeconds} s, ${config.maxImageTokens} visual tokens per image, ` +
      `tokens from $${tokenEnv.id}/$${tokenEnv.secret}${endpointConfigPath ? `, endpoint config ${endpointConfigPath}` : ""}` +
      (imageEdit ? `; edit_image on ${imageEdit.url}` : "; no image-edit deployment configured, edit_image not offered"),
  );
}

main().catch((err: Error) => {
  log(`fatal: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
