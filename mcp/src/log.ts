/**
 * Logging for a stdio MCP server: stdout carries the protocol, so every log line goes to stderr
 * (MCP spec, transports/stdio: "The server MUST NOT write anything to its stdout that is not a
 * valid MCP message"; it MAY write UTF-8 strings to stderr for logging).
 * @module
 */

/** Writes one `[vlm-analyzer] ...` line to stderr. Never pass a secret. */
export function log(message: string): void {
  process.stderr.write(`[vlm-analyzer] ${message}\n`);
}
