/**
 * `@qwen-code-modal/contract`: what the deployer (infra/) and the `vlm-analyzer` MCP server (mcp/)
 * agree on, and nothing else. Either side may change its internals freely; a change here changes both.
 * @module
 */
export * from "./answer.js";
export * from "./endpoint-config.js";
export * from "./redact.js";
export * from "./vlm-analyzer.js";
export * from "./modal-http.js";
export * from "./session-affinity.js";
