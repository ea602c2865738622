/**
 * Registering the `vlm-analyzer` stdio server with coding agents, by merging one entry into their
 * settings files (atomic write, `.bak` backup, idempotent: see settings-file.ts). Secrets are never
 * written: the entry's env holds `${VAR}` references that the agent expands from its own environment.
 *
 * - qwen-code: `mcpServers["vlm-analyzer"]` in `~/.qwen/settings.json` with `command`, `args`,
 *   `env`, `timeout` (milliseconds) and `alwaysLoadTools: true` (otherwise qwen-code 0.24 hides MCP
 *   tools behind its `tool_search` tool, and the model does not see analyze_image in its tool list).
 *   qwen-code expands `$VAR`/`${VAR}` in settings values (source: qwen-code 0.24.4
 *   `resolveEnvVarsInObject` over user settings; `MCPServerConfig` fields).
 * - Claude Code: `mcpServers["vlm-analyzer"]` with `type: "stdio"` in `<project>/.mcp.json`
 *   (project scope, shared in the repository; Claude Code asks each user to approve it) or at the
 *   top level of `~/.claude.json` (user scope, what `claude mcp add-json --scope user` writes).
 *   Both expand `${VAR}` (source: code.claude.com/docs/en/mcp "Environment variable expansion";
 *   checked with Claude Code 2.1.330 `claude mcp list` in a temporary HOME).
 * @module
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_ENV, DEFAULT_TIMEOUT_SECONDS } from "./config.js";
import { SERVER_NAME } from "./server.js";
import { updateJsonFile, type JsonFileUpdate, type JsonObject } from "./settings-file.js";

/** The built server entry point of this package (`dist/index.js`). */
export const SERVER_ENTRY_PATH = fileURLToPath(new URL("./index.js", import.meta.url));

/** Extra time an agent waits for a tool call beyond the server's own VLM_TIMEOUT, seconds. */
const AGENT_TIMEOUT_MARGIN_SECONDS = 60;

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
  /** VLM_TIMEOUT for the server, seconds; default 600. */
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
  /** Values are literals (non-secret) or `${VAR}` references. */
  env: Record<string, string>;
}

/** `${NAME}`: a reference the agent expands from its environment. */
const ref = (name: string) => `\${${name}}`;

/** Builds the server entry: command, args, and an env with the env file's path, or else `${VAR}` references for the tokens. */
export function buildServerEntry(options: ServerEntryOptions = {}): McpServerEntry {
  const tokenEnv = options.tokenEnv ?? { id: CONFIG_ENV.tokenId, secret: CONFIG_ENV.tokenSecret };
  const env: Record<string, string> = options.envFile
    ? { [CONFIG_ENV.envFile]: options.envFile }
    : { [CONFIG_ENV.tokenId]: ref(tokenEnv.id), [CONFIG_ENV.tokenSecret]: ref(tokenEnv.secret) };
  env[CONFIG_ENV.timeout] = String(options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  if (options.endpoint) {
    env[CONFIG_ENV.endpoint] = options.endpoint.baseUrl;
    env[CONFIG_ENV.model] = options.endpoint.model;
  }
  return { command: options.command ?? process.execPath, args: [options.entryPath ?? SERVER_ENTRY_PATH], env };
}

/** `~/.qwen/settings.json` (qwen-code's user settings). */
export function defaultQwenSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), ".qwen", "settings.json");
}

/** `~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json` when that is set (Claude Code's user config). */
export function defaultClaudeUserConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CLAUDE_CONFIG_DIR || env.HOME || homedir(), ".claude.json");
}

/** `<projectDir>/.mcp.json` (Claude Code's project-scope servers). */
export function claudeProjectConfigPath(projectDir: string): string {
  return join(projectDir, ".mcp.json");
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
 * @param settingsPath - default {@link defaultQwenSettingsPath}.
 * @param entry - default {@link buildServerEntry}().
 * @returns what was written; `changed: false` when it was already registered so.
 */
export function registerWithQwenCode(
  settingsPath: string = defaultQwenSettingsPath(),
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
  const seconds = Number(entry.env[CONFIG_ENV.timeout] ?? DEFAULT_TIMEOUT_SECONDS);
  // qwen-code's `timeout` is per tool call, in milliseconds (default 600,000): longer than the server's own.
  const timeout = (seconds + AGENT_TIMEOUT_MARGIN_SECONDS) * 1000;
  return mergeServer(settingsPath, SERVER_NAME, { ...entry, timeout, alwaysLoadTools: true });
}

/**
 * Registers the server for Claude Code in one file: a project's `.mcp.json`
 * ({@link claudeProjectConfigPath}) or the user config ({@link defaultClaudeUserConfigPath}).
 * The tool-call timeout there is Claude Code's `MCP_TOOL_TIMEOUT` environment variable (ms).
 */
export function registerWithClaudeCode(
  configPath: string,
  entry: McpServerEntry = buildServerEntry(),
): Promise<JsonFileUpdate> {
  return updateJsonFile(configPath, mergeServer(configPath, SERVER_NAME, { type: "stdio", ...entry }));
}
