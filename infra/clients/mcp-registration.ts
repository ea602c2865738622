/**
 * Registering the `vlm-analyzer` stdio server (entry: ./mcp-entry.ts) with coding agents,
 * idempotently. Secrets are never written: the entry's env holds the path of the project's env
 * file (or `${VAR}` references).
 *
 * - qwen-code: merged into its settings file (atomic write, `.bak` backup: infra/core/files.ts):
 *   `mcpServers["vlm-analyzer"]` in `~/.qwen/settings.json` with `command`, `args`,
 *   `env`, `timeout` (milliseconds) and `alwaysLoadTools: true` (otherwise qwen-code 0.24 hides MCP
 *   tools behind its `tool_search` tool, and the model does not see analyze_image in its tool list).
 *   qwen-code expands `$VAR`/`${VAR}` in settings values (source: qwen-code 0.24.4
 *   `resolveEnvVarsInObject` over user settings; `MCPServerConfig` fields).
 * - Claude Code: `mcpServers["vlm-analyzer"]` with `type: "stdio"` in `<project>/.mcp.json`
 *   (project scope, shared in the repository; Claude Code asks each user to approve it) or at the
 *   top level of `~/.claude.json` (user scope), written by Claude Code's own `claude mcp add-json`.
 *   Both expand `${VAR}` (source: code.claude.com/docs/en/mcp "Environment variable expansion";
 *   checked with Claude Code 2.1.330 `claude mcp list` in a temporary HOME).
 * @module
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS, VLM_ANALYZER_ENV, VLM_ANALYZER_SERVER_NAME } from "@qwen-code-modal/contract";
import type { Variables } from "../core/environment";
import { updateJsonFile, type JsonFileUpdate, type JsonObject } from "../core/files";
import { registerMcpServerWithClaudeCode, type ClaudeCodeCli, type ClaudeScope } from "./claude-code";
import { buildServerEntry, type McpServerEntry } from "./mcp-entry";

/** Extra time an agent waits for a tool call beyond the server's own VLM_TIMEOUT, seconds. */
const AGENT_TIMEOUT_MARGIN_SECONDS = 60;

/** `~/.qwen/settings.json` (qwen-code's user settings). */
export function defaultQwenSettingsPath(env: Variables): string {
  return join(env.HOME || homedir(), ".qwen", "settings.json");
}

/**
 * Sets `mcpServers[name]` to `{ ...existing, ...entry }`: other servers, other top-level keys and
 * keys the user added to this entry (e.g. `trust`, `includeTools`) are kept.
 * @throws Error naming the file when `mcpServers` exists but is not an object.
 */
function mergeServer(path: string, name: string, entry: JsonObject): (settings: JsonObject) => JsonObject {
  return (settings) => {
    const servers = settings.mcpServers ?? {};
    if (typeof servers !== "object" || servers === null || Array.isArray(servers)) {
      throw new Error(`${path}: "mcpServers" is not an object; it was left untouched: fix it, then run again`);
    }
    const existing = (servers as JsonObject)[name];
    const base = existing && typeof existing === "object" && !Array.isArray(existing) ? (existing as JsonObject) : {};
    settings.mcpServers = { ...servers, [name]: { ...base, ...entry } };
    return settings;
  };
}

/**
 * Registers the server for qwen-code.
 * @param settingsPath - e.g. {@link defaultQwenSettingsPath}.
 * @param entry - default {@link buildServerEntry}().
 * @returns what was written; `changed: false` when it was already registered so.
 */
export function registerWithQwenCode(
  settingsPath: string,
  entry: McpServerEntry = buildServerEntry(),
): Promise<JsonFileUpdate> {
  return updateJsonFile(settingsPath, qwenCodeRegistration(settingsPath, entry));
}

/**
 * The change {@link registerWithQwenCode} makes to a settings object, for a caller that merges
 * more keys into the same file in one write (one backup of the user's file, not two).
 * @param settingsPath - named in errors.
 */
export function qwenCodeRegistration(
  settingsPath: string,
  entry: McpServerEntry = buildServerEntry(),
): (settings: JsonObject) => JsonObject {
  const seconds = Number(entry.env[VLM_ANALYZER_ENV.timeout] ?? VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS);
  // qwen-code's `timeout` is per tool call, in milliseconds (default 600,000): longer than the server's own.
  const timeout = (seconds + AGENT_TIMEOUT_MARGIN_SECONDS) * 1000;
  return mergeServer(settingsPath, VLM_ANALYZER_SERVER_NAME, { ...entry, timeout, alwaysLoadTools: true });
}

/**
 * Registers the server for Claude Code through its own CLI (`claude mcp add-json`, see
 * ./claude-code.ts), in the user config or a project's `.mcp.json`. The tool-call timeout there is
 * Claude Code's `MCP_TOOL_TIMEOUT` environment variable (ms).
 * @throws UserError for a corrupt config file (left untouched) or a failing `claude`.
 */
export function registerWithClaudeCode(
  cli: ClaudeCodeCli,
  where: ClaudeScope,
  entry: McpServerEntry = buildServerEntry(),
): Promise<JsonFileUpdate> {
  return registerMcpServerWithClaudeCode(cli, where, VLM_ANALYZER_SERVER_NAME, entry);
}
