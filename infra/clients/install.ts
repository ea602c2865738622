/**
 * `install`: wires the agents to the deployment — qwen-code present, `~/.qwen/settings.json`
 * merged (coder + vlm-analyzer, one write), vlm-analyzer registered for Claude Code, the `qodal`
 * wrapper written — and reports each step in one line.
 * @module
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../core/errors";
import { updateJsonFile, type JsonFileUpdate, type JsonObject } from "../core/files";
import type { EndpointContext } from "../endpoints/context";
import { requireEndpoint } from "../endpoints/context";
import { proxyCredentials } from "../endpoints/credentials";
import { findClaudeCode } from "./claude-code";
import { vlmAnalyzerEntry } from "./mcp-entry";
import { defaultQwenSettingsPath, qwenCodeRegistration, registerWithClaudeCode } from "./mcp-registration";
import { writeQodal } from "./qodal";
import { ensureQwenCode, makeRipgrepExecutable } from "./qwen-code";
import { applyCoderSettings, applyVisionAndImageSettings } from "./qwen-settings";

/** Where install writes; every field has a default. */
export interface InstallOptions {
  /** qwen-code user settings; default `~/.qwen/settings.json`. */
  settingsPath?: string;
  /** The wrapper; default `~/.local/bin/qodal`. */
  qodalPath: string;
  /** qwen-code executable to use instead of looking it up. */
  qwenBin?: string;
  /** Endpoint config to bake into the wrapper and the MCP entry (default: looked up at run time). */
  configPath?: string;
  /** Claude Code's config folder (`CLAUDE_CONFIG_DIR`) for the vlm-analyzer entry; default: Claude Code's own (`~/.claude.json`). */
  claudeConfigDir?: string;
  /** Claude Code executable; default `claude` on PATH, else the project's. */
  claudeBin?: string;
}

/** Runs a settings-file update; its errors (corrupt file, left untouched) are for the user. */
async function userFileUpdate(update: () => Promise<JsonFileUpdate>): Promise<JsonFileUpdate> {
  try {
    return await update();
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** The compiled CLI the wrapper runs. @throws UserError when the project is not built. */
export function cliEntry(root: string): string {
  const entry = join(root, "dist", "infra", "cli", "main.js");
  if (!existsSync(entry)) throw new UserError(`${entry} is missing: build the project first (npm run build)`);
  return entry;
}

/**
 * Runs the install steps.
 * @param log - receives one line per step.
 * @throws UserError when qwen-code cannot be found or installed, the settings file is corrupt
 *   (left untouched), or the wrapper path holds a foreign file.
 */
export async function install(context: EndpointContext, options: InstallOptions, log: (line: string) => void): Promise<void> {
  const coder = requireEndpoint(context, "coder");
  const qwen = await ensureQwenCode(options.qwenBin, context.env, log);
  log(`qwen-code: ${qwen.bin}${qwen.installed ? " (installed)" : ""}`);
  const ripgrep = makeRipgrepExecutable(qwen.bin);
  if (ripgrep) log(ripgrep);

  const settingsPath = options.settingsPath ?? defaultQwenSettingsPath(context.env);
  const mcp = vlmAnalyzerEntry(context, options.configPath);
  const registerMcp = mcp ? qwenCodeRegistration(settingsPath, mcp) : (s: JsonObject) => s;
  let routes: { visionModel?: string; imageModel?: string } = {};
  const update = await userFileUpdate(() =>
    updateJsonFile(settingsPath, (settings) => {
      const merged = registerMcp(applyCoderSettings(settings, coder, context.config.proxyAuth));
      routes = applyVisionAndImageSettings(merged, context.config);
      return merged;
    }),
  );
  log(
    update.changed
      ? `settings: ${settingsPath} updated for ${coder.model} at ${coder.baseUrl}${mcp ? " with vlm-analyzer" : ""}` +
          (update.backupPath ? ` (previous copy: ${update.backupPath})` : "")
      : `settings: ${settingsPath} already up to date`,
  );
  log(
    `qwen-code routes: images pasted into a session go to ${routes.visionModel ?? "(no vlm deployed)"} (visionModel); ` +
      `image_gen ${routes.imageModel ? `uses ${routes.imageModel} (imageModel)` : "is off (no image-edit deployment with imageApiKeySecret)"}`,
  );
  const claudeBin = options.claudeBin ?? findClaudeCode(context.env, context.environment.root);
  if (mcp && claudeBin) {
    const env = options.claudeConfigDir ? { ...context.env, CLAUDE_CONFIG_DIR: resolve(options.claudeConfigDir) } : context.env;
    const claude = await registerWithClaudeCode({ bin: claudeBin, env }, { scope: "user" }, mcp);
    log(`Claude Code: vlm-analyzer ${claude.changed ? "registered in" : "already registered in"} ${claude.path}`);
  } else if (mcp) {
    log("Claude Code: not found (claude is not on PATH); after installing it, run `qwen-code-modal register-mcp --client claude`");
  } else {
    log("vlm-analyzer: not registered, the endpoint config has no vlm deployment");
  }

  const wrote = await writeQodal(options.qodalPath, {
    node: process.execPath,
    cliEntry: cliEntry(context.environment.root),
    envFile: resolve(context.envFile),
    configPath: options.configPath && resolve(options.configPath),
    qwenBin: qwen.bin,
  });
  log(`qodal: ${options.qodalPath}${wrote ? " written" : " already up to date"}`);

  try {
    proxyCredentials(context.config.proxyAuth, context.env, context.envFile);
  } catch (err) {
    log(`warning: qodal will stop until this is fixed: ${(err as Error).message}`);
  }
}
