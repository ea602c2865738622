/**
 * `qwen-code-modal claude [--claude-bin PATH] [-- CLAUDE ARGS]`: runs Claude Code with the coder
 * as its model (vLLM's Anthropic Messages API), vlm-analyzer's tools directly usable.
 * @module
 */
import { join } from "node:path";
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { parseClientArgs } from "../../clients/cli-options";
import { claudeLaunchSpec } from "../../clients/claude-launch";
import { loadClientContext, requireEndpoint } from "../../clients/context";
import { findOnPath, runAttached } from "../../clients/executables";
import { splitAtDoubleDash } from "../../clients/passthrough";
import { projectRoot } from "../../core/paths";

const USAGE = "[--config FILE] [--env-file FILE] [--claude-bin PATH] [-- claude arguments]";

/** `claude` on PATH, else the project's own (`@anthropic-ai/claude-code` dev dependency). */
function defaultClaudeBin(path: string | undefined): string | undefined {
  return findOnPath("claude", path) ?? findOnPath("claude", join(projectRoot(), "node_modules", ".bin"));
}

export const claudeCommand: Command = {
  name: "claude",
  summary: "run Claude Code with the coder as its model (fallback coding LLM)",
  async run(args) {
    const { own, rest } = splitAtDoubleDash(args);
    const { values } = parseClientArgs("claude", own, { "claude-bin": { type: "string" } }, USAGE);
    const context = await loadClientContext(values);
    const coder = requireEndpoint(context, "coder");
    const bin = values["claude-bin"] ?? defaultClaudeBin(context.env.PATH);
    if (!bin) throw new UserError("claude is not on PATH: npm install --global @anthropic-ai/claude-code, or pass --claude-bin <path>");
    const spec = claudeLaunchSpec(context, coder, bin, rest);
    return runAttached(spec.command, spec.args, spec.env);
  },
};
