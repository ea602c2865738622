/**
 * `qwen-code-modal qwen [--qwen-bin PATH] [--no-wake] [QWEN ARGS]`: wakes the coder (through a
 * cold start, with progress), then runs qwen-code on it, with the credentials from the env file and
 * telemetry off. The `qodal` wrapper calls this with the user's words; the launcher's own options
 * are picked out of them (clients/passthrough.ts), the rest go to qwen-code.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { COMMON_OPTIONS, parseClientArgs, WAKE_OPTIONS } from "../client-options";
import { wakeCoderForLauncher } from "../launcher-wake";
import { loadClientContext, requireEndpoint } from "../../endpoints/context";
import { runAttached } from "../../core/executables";
import { findQwenCode } from "../../clients/qwen-code";
import { asksForInfoOnly, splitLauncherArgs } from "../../clients/passthrough";
import { qwenLaunchSpec } from "../../clients/qwen-launch";

const USAGE = "[--config FILE] [--dotenv FILE] [--qwen-bin PATH] [--wake-timeout SECONDS] [--no-wake] [qwen arguments]";

export const qwenCommand: Command = {
  name: "qwen",
  summary: "run qwen-code on the coder (what the `qodal` wrapper runs)",
  async run(args) {
    const options = { "qwen-bin": { type: "string" }, ...WAKE_OPTIONS } as const;
    const { own, rest } = splitLauncherArgs(args, { ...COMMON_OPTIONS, ...options });
    const { values } = parseClientArgs("qwen", own, options, USAGE);
    const context = await loadClientContext(values);
    const coder = requireEndpoint(context, "coder");
    const bin = values["qwen-bin"] ?? findQwenCode(context.env.PATH);
    if (!bin) throw new UserError("qwen is not on PATH: run `qwen-code-modal install`, or pass --qwen-bin <path>");
    // `qodal --help` shows qwen-code's help without waking (and billing) the coder.
    if (!asksForInfoOnly(rest)) await wakeCoderForLauncher(context, coder, values);
    const spec = qwenLaunchSpec(context, coder, bin, rest);
    return runAttached(spec.command, spec.args, spec.env);
  },
};
