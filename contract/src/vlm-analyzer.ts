/**
 * How the `vlm-analyzer` MCP stdio server is registered with a coding agent: its name and the
 * environment variables it reads. The deployer writes an agent's MCP entry from these; the server
 * reads them at start (mcp/src/config.ts). See mcp/README.md for each variable.
 * @module
 */

/** Server name announced in the MCP `initialize` result and used as the registration key (`mcpServers["vlm-analyzer"]`). */
export const VLM_ANALYZER_SERVER_NAME = "vlm-analyzer";

/** Environment variables the server reads. */
export const VLM_ANALYZER_ENV = {
  /** OpenAI base URL of the VLM, e.g. `https://ws--qcm-vlm-serve.modal.run/v1`. */
  endpoint: "VLM_ENDPOINT",
  /** Served model name sent as `model`. */
  model: "VLM_MODEL",
  /** Total time one tool call may spend on the endpoint, including a cold start; seconds. */
  timeout: "VLM_TIMEOUT",
  /** Visual-token budget per image. */
  maxImageTokens: "VLM_MAX_IMAGE_TOKENS",
  /** Largest image file accepted, bytes. */
  maxImageBytes: "VLM_MAX_IMAGE_BYTES",
  /** Most tokens the model may generate per answer (`max_tokens`). */
  maxOutputTokens: "VLM_MAX_OUTPUT_TOKENS",
  /**
   * Most images the VLM accepts in one request (its `--limit-mm-per-prompt`, the endpoint config's
   * `maxImagesPerPrompt`): the cap of `compare_images`.
   */
  maxImages: "VLM_MAX_IMAGES",
  /**
   * A dotenv file (the project's `.env`, set by `install`) read for the proxy-auth token variables
   * when the server's own environment lacks them: the agents start the server without the
   * variables the launchers load from that file. The same variable names the deployer's env file.
   */
  envFile: "QCM_ENV_FILE",
  /** Default names of the Modal proxy-auth token variables (the endpoint config may name others). */
  tokenId: "MODAL_PROXY_TOKEN_ID",
  tokenSecret: "MODAL_PROXY_TOKEN_SECRET",
} as const;

/** Default `VLM_TIMEOUT`: 600 s, enough for a Modal cold start of a 32B FP8 model (weights load + compile). */
export const VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS = 600;
