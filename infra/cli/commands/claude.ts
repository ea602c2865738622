/**
 * `qwen-code-modal claude [--claude-bin PATH] [--allow-vlm-tools] [CLAUDE ARGS]`: wakes the
 * coder (through a cold start, with progress), then runs Claude Code with it as its model (vLLM's
 * Anthropic Messages API), vlm-analyzer's tools directly usable.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { COMMON_OPTIONS, parseClientArgs, WAKE_OPTIONS } from "../client-options";
import { wakeCoderForLauncher } from "../launcher-wake";
import { claudeLaunchSpec } from "../../clients/claude-launch";
import { loadClientContext, requireEndpoint } from "../../endpoints/context";
import { findClaudeCode } from "../../clients/claude-code";
import { runAttached } from "../../core/executables";
import { asksForInfoOnly, splitLauncherArgs } from "../../clients/passthrough";

const USAGE = "[--config FILE] [--dotenv FILE] [--claude-bin PATH] [--allow-vlm-tools] [--wake-timeout SECONDS] [--no-wake] [claude arguments]";

export const claudeCommand: Command = {
  name: "claude",
  summary: "run Claude Code with the coder as its model (fallback coding LLM)",
  async run(args) {
    const options = { "claude-bin": { type: "string" }, "allow-vlm-tools": { type: "boolean" }, ...WAKE_OPTIONS } as const;
    const { own, rest } = splitLauncherArgs(args, { ...COMMON_OPTIONS, ...options });
    const { values } = parseClientArgs("claude", own, options, USAGE);
    const context = await loadClientContext(values);
    const coder = requireEndpoint(context, "coder");
    const bin = values["claude-bin"] ?? findClaudeCode(context.env, context.environment.root);
    if (!bin) throw new UserError("claude is not on PATH: npm install --global @anthropic-ai/claude-code, or pass --claude-bin <path>");
    // `qodal --help` shows qwen-code's help without waking (and billing) the coder.
    if (!asksForInfoOnly(rest)) await wakeCoderForLauncher(context, coder, values);
    const spec = claudeLaunchSpec(context, coder, bin, rest, { allowVlmTools: values["allow-vlm-tools"] });
    return runAttached(spec.command, spec.args, spec.env);
  },
};
