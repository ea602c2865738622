/**
 * `qwen-code-modal register-mcp`: registers the `vlm-analyzer` MCP stdio server with qwen-code
 * (`~/.qwen/settings.json`, merged, written atomically with a `.bak` backup) and/or Claude Code
 * (`~/.claude.json` user scope or a project's `.mcp.json`, through `claude mcp add-json`). Nothing is
 * written when already registered. Tokens are written as `${VAR}` references, never as values.
 * @module
 */
import { resolve } from "node:path";
import { ENDPOINT_CONFIG_ENV, readEndpointConfig } from "@qwen-code-modal/contract";
import { buildServerEntry, type McpServerEntry } from "../../clients/mcp-entry";
import { findClaudeCode } from "../../clients/claude-code";
import { defaultQwenSettingsPath, registerWithClaudeCode, registerWithQwenCode } from "../../clients/mcp-registration";
import { resolveEnvironment, type Environment } from "../../core/environment";
import { UserError } from "../../core/errors";
import type { JsonFileUpdate } from "../../core/files";
import type { Command } from "../command";
import { parseCommandArgs } from "../options";

const USAGE =
  "[--client qwen|claude|all] [--scope user|project] [--project-dir DIR] [--qwen-settings FILE] " +
  "[--claude-config-dir DIR] [--claude-bin PATH] [--config ENDPOINTS_JSON] [--vlm-timeout SECONDS]";

const OPTIONS = {
  client: { type: "string", default: "all" },
  scope: { type: "string", default: "user" },
  "project-dir": { type: "string" },
  "qwen-settings": { type: "string" },
  "claude-config-dir": { type: "string" },
  "claude-bin": { type: "string" },
  config: { type: "string" },
  "vlm-timeout": { type: "string" },
} as const;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UserError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
  }
  return value as T;
}

/** The server entry: token variable names from the endpoint config when it exists, else the defaults. */
async function entryFor(environment: Environment, configOption: string | undefined, timeout: string | undefined): Promise<McpServerEntry> {
  const configPath = resolve(configOption ?? environment.endpointConfigPath);
  let tokenEnv: { id: string; secret: string } | undefined;
  try {
    const config = await readEndpointConfig(configPath);
    tokenEnv = { id: config.proxyAuth.tokenIdEnv, secret: config.proxyAuth.tokenSecretEnv };
  } catch (err) {
    if (configOption) throw new UserError((err as Error).message);
    console.log(`note: ${(err as Error).message}; the server will look for it again each time it starts`);
  }
  let timeoutSeconds: number | undefined;
  if (timeout !== undefined) {
    timeoutSeconds = Number(timeout);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
      throw new UserError(`--vlm-timeout must be a whole number of seconds > 0 (got "${timeout}")`);
    }
  }
  const entry = buildServerEntry({ tokenEnv, timeoutSeconds });
  // An explicit endpoint config path travels with the entry so that the server reads the same file.
  if (configOption) entry.env[ENDPOINT_CONFIG_ENV] = configPath;
  return entry;
}

function report(client: string, update: JsonFileUpdate): string {
  if (!update.changed) return `${client}: ${update.path} already registers vlm-analyzer (unchanged)`;
  return `${client}: registered vlm-analyzer in ${update.path}${update.backupPath ? ` (previous file kept as ${update.backupPath})` : ""}`;
}

export const registerMcpCommand: Command = {
  name: "register-mcp",
  summary: "register the vlm-analyzer MCP server with qwen-code and/or Claude Code",
  async run(args) {
    const values = parseCommandArgs("register-mcp", args, OPTIONS, USAGE).values;
    const client = oneOf("client", values.client, ["qwen", "claude", "all"] as const);
    const scope = oneOf("scope", values.scope, ["user", "project"] as const);
    const environment = resolveEnvironment();
    const entry = await entryFor(environment, values.config, values["vlm-timeout"]);
    if (client !== "claude") {
      console.log(report("qwen-code", await registerWithQwenCode(values["qwen-settings"] ?? defaultQwenSettingsPath(environment.vars), entry)));
    }
    if (client !== "qwen") {
      const bin = values["claude-bin"] ?? findClaudeCode(environment.vars, environment.root);
      if (!bin) throw new UserError("claude is not on PATH: npm install --global @anthropic-ai/claude-code, or pass --claude-bin <path>");
      const configDir = values["claude-config-dir"];
      const env = configDir ? { ...environment.vars, CLAUDE_CONFIG_DIR: resolve(configDir) } : environment.vars;
      const where = scope === "project" ? { scope, projectDir: resolve(values["project-dir"] ?? ".") } : { scope };
      console.log(report(`Claude Code (${scope} scope)`, await registerWithClaudeCode({ bin, env }, where, entry)));
    }
    const { MODAL_PROXY_TOKEN_ID: id, MODAL_PROXY_TOKEN_SECRET: secret } = entry.env;
    console.log(`The agents expand ${id} and ${secret} from their own environment: export both before starting them.`);
    return 0;
  },
};
