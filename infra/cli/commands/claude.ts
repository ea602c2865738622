/**
 * `qwen-code-modal claude [--claude-bin PATH] [--allow-vlm-tools] [-- CLAUDE ARGS]`: wakes the
 * coder (through a cold start, with progress), then runs Claude Code with it as its model (vLLM's
 * Anthropic Messages API), vlm-analyzer's tools directly usable.
 * @module
 */
import { join } from "node:path";
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { parseClientArgs, WAKE_OPTIONS } from "../../clients/cli-options";
import { claudeLaunchSpec } from "../../clients/claude-launch";
import { loadClientContext, requireEndpoint } from "../../clients/context";
import { findOnPath, runAttached } from "../../clients/executables";
import { splitAtDoubleDash } from "../../clients/passthrough";
import { wakeCoderForLauncher } from "../../clients/wake";
import { projectRoot } from "../../core/paths";

const USAGE = "[--config FILE] [--env-file FILE] [--claude-bin PATH] [--allow-vlm-tools] [--wake-timeout SECONDS] [--no-wake] [-- claude arguments]";

/** `claude` on PATH, else the project's own (`@anthropic-ai/claude-code` dev dependency). */
function defaultClaudeBin(path: string | undefined): string | undefined {
  return findOnPath("claude", path) ?? findOnPath("claude", join(projectRoot(), "node_modules", ".bin"));
}

export const claudeCommand: Command = {
  name: "claude",
  summary: "run Claude Code with the coder as its model (fallback coding LLM)",
  async run(args) {
    const { own, rest } = splitAtDoubleDash(args);
    const { values } = parseClientArgs("claude", own, { "claude-bin": { type: "string" }, "allow-vlm-tools": { type: "boolean" }, ...WAKE_OPTIONS }, USAGE);
    const context = await loadClientContext(values);
    const coder = requireEndpoint(context, "coder");
    const bin = values["claude-bin"] ?? defaultClaudeBin(context.env.PATH);
    if (!bin) throw new UserError("claude is not on PATH: npm install --global @anthropic-ai/claude-code, or pass --claude-bin <path>");
    await wakeCoderForLauncher(context, coder, values);
    const spec = claudeLaunchSpec(context, coder, bin, rest, { allowVlmTools: values["allow-vlm-tools"] });
    return runAttached(spec.command, spec.args, spec.env);
  },
};
