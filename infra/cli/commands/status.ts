/**
 * `qwen-code-modal status [--wake]`: health, latency and vLLM metrics of each deployment; an app
 * scaled to zero is shown as such, not woken, unless `--wake`.
 * @module
 */
import type { Command } from "../command";
import { parseClientArgs, positiveNumber } from "../../clients/cli-options";
import { loadClientContext } from "../../clients/context";
import { deployedAppTasks, resolveModalCli } from "../../ops/modal-apps";
import { collectStatus, formatStatus } from "../../ops/status";

const USAGE = "[--config FILE] [--env-file FILE] [--wake] [--timeout SECONDS]";

export const statusCommand: Command = {
  name: "status",
  summary: "health, latency and vLLM metrics per endpoint (scaled-to-zero apps are not woken without --wake)",
  async run(args) {
    const { values } = parseClientArgs("status", args, { wake: { type: "boolean" }, timeout: { type: "string" } }, USAGE);
    const context = await loadClientContext(values);
    const apps = await (async () => deployedAppTasks(resolveModalCli(context.environment), context.environment))().catch((err: Error) => err);
    const rows = await collectStatus(context, apps, {
      wake: values.wake ?? false,
      timeoutMs: positiveNumber("timeout", values.timeout, values.wake ? 600 : 30) * 1000,
    });
    console.log(formatStatus(rows));
    return rows.every((r) => r.state === "up" || r.state === "scaled to zero") ? 0 : 1;
  },
};
