/**
 * The Claude Code CLI as this project uses it outside a session: where it is, and registering an MCP
 * server through its own `claude mcp add-json` / `claude mcp remove` (Claude Code rewrites
 * `~/.claude.json` itself while it runs, so a second writer would lose updates; its CLI is the one
 * writer). Checked with Claude Code 2.1.330: `add-json` fails (exit 1, "already exists") when the
 * name is taken, normalizes the entry to its schema (unknown keys dropped), keeps a backup under
 * `<config dir>/backups/`, and `--scope project` writes `.mcp.json` in its working folder.
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { Variables } from "../core/environment";
import { UserError } from "../core/errors";
import { readJsonObject, type JsonFileUpdate } from "../core/files";
import { findOnPath } from "../core/executables";

/** A Claude Code CLI and the environment it runs with. */
export interface ClaudeCodeCli {
  /** The `claude` executable. */
  bin: string;
  /** The caller's variables; only HOME, PATH and CLAUDE_CONFIG_DIR reach `claude`. */
  env: Variables;
}

/** Where a registration goes: the user config, or a project's `.mcp.json` (shared in the repository; Claude Code asks each user to approve it). */
export type ClaudeScope = { scope: "user" } | { scope: "project"; projectDir: string };

/** `claude` on PATH, else the project's own (`@anthropic-ai/claude-code` dev dependency under `<root>/node_modules/.bin`). */
export function findClaudeCode(env: Variables, root: string): string | undefined {
  return findOnPath("claude", env.PATH) ?? findOnPath("claude", join(root, "node_modules", ".bin"));
}

/** `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json` (Claude Code's user config). */
export function claudeUserConfigPath(env: Variables): string {
  return join(env.CLAUDE_CONFIG_DIR || env.HOME || homedir(), ".claude.json");
}

/** The file a scope's registration lands in. */
export function claudeScopeFile(cli: ClaudeCodeCli, where: ClaudeScope): string {
  return where.scope === "user" ? claudeUserConfigPath(cli.env) : join(where.projectDir, ".mcp.json");
}

/**
 * Registers a stdio MCP server with Claude Code through its CLI, idempotently: when the scope's
 * file already has exactly this entry nothing runs; a different entry is removed, then added.
 * @param entry - the server entry (`type` is set to `stdio`); values must not be secrets.
 * @returns the scope's file; `changed: false` when it already registered the server so.
 * @throws UserError when the file is corrupt or its `mcpServers` is not an object (nothing runs,
 *   the file is untouched), or `claude` fails (its last output line, exit code).
 */
export async function registerMcpServerWithClaudeCode(
  cli: ClaudeCodeCli,
  where: ClaudeScope,
  name: string,
  entry: { command: string; args: string[]; env: Record<string, string> },
): Promise<JsonFileUpdate> {
  const path = claudeScopeFile(cli, where);
  const current = await readJsonObject(path).catch((err: Error) => {
    throw new UserError(err.message);
  });
  const servers = current.mcpServers ?? {};
  if (typeof servers !== "object" || servers === null || Array.isArray(servers)) {
    throw new UserError(`${path}: "mcpServers" is not an object; it was left untouched: fix it, then run again`);
  }
  const wanted = { type: "stdio", ...entry };
  const existing = (servers as Record<string, unknown>)[name];
  if (isDeepStrictEqual(existing, wanted)) return { path, changed: false };
  if (where.scope === "project") await mkdir(where.projectDir, { recursive: true });
  if (existing !== undefined) await runClaudeMcp(cli, where, ["remove", "--scope", where.scope, name]);
  await runClaudeMcp(cli, where, ["add-json", "--scope", where.scope, name, JSON.stringify(wanted)]);
  return { path, changed: true };
}

/** Runs `claude mcp ...` with only the variables it needs, non-essential traffic (telemetry, update checks) off. */
async function runClaudeMcp(cli: ClaudeCodeCli, where: ClaudeScope, args: string[]): Promise<void> {
  const env: Record<string, string> = { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" };
  for (const name of ["HOME", "PATH", "CLAUDE_CONFIG_DIR"]) {
    const value = cli.env[name];
    if (value) env[name] = value;
  }
  const result = await execa(cli.bin, ["mcp", ...args], {
    env,
    extendEnv: false,
    cwd: where.scope === "project" ? where.projectDir : undefined,
    stdin: "ignore",
    reject: false,
    timeout: 60_000,
  });
  if (result.exitCode !== 0) {
    const last = (result.stderr || result.stdout || result.shortMessage || "").trim().split("\n").at(-1);
    throw new UserError(`claude mcp ${args[0]} failed (exit ${result.exitCode ?? "none"}): ${last}`);
  }
}
