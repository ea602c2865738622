/**
 * `qwen-code-modal qwen [--qwen-bin PATH] [-- QWEN ARGS]`: runs qwen-code on the coder, with the
 * credentials from the env file and telemetry off. The `qodal` wrapper calls this.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { parseClientArgs } from "../client-options";
import { loadClientContext, requireEndpoint } from "../../endpoints/context";
import { findOnPath, runAttached } from "../../core/executables";
import { splitAtDoubleDash } from "../../clients/passthrough";
import { qwenLaunchSpec } from "../../clients/qwen-launch";

const USAGE = "[--config FILE] [--env-file FILE] [--qwen-bin PATH] [-- qwen arguments]";

export const qwenCommand: Command = {
  name: "qwen",
  summary: "run qwen-code on the coder (what the `qodal` wrapper runs)",
  async run(args) {
    const { own, rest } = splitAtDoubleDash(args);
    const { values } = parseClientArgs("qwen", own, { "qwen-bin": { type: "string" } }, USAGE);
    const context = await loadClientContext(values);
    const coder = requireEndpoint(context, "coder");
    const bin = values["qwen-bin"] ?? findOnPath("qwen", context.env.PATH);
    if (!bin) throw new UserError("qwen is not on PATH: run `qwen-code-modal install`, or pass --qwen-bin <path>");
    const spec = qwenLaunchSpec(context, coder, bin, rest);
    return runAttached(spec.command, spec.args, spec.env);
  },
};
