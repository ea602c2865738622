/**
 * `qwen-code-modal logs [DEPLOYMENT] [--follow] [--tail N]`: `modal app logs` for a deployment.
 * @module
 */
import type { Command } from "../command";
import { parseClientArgs, positiveNumber } from "../client-options";
import { loadEndpointContext } from "../../endpoints/context";
import { runAttached } from "../../core/executables";
import { appForLogs, modalLogsArgs } from "../../ops/logs";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, withModalStack } from "../pulumi-stack";
import { resolveModalCli } from "../../ops/modal-apps";

const USAGE = `[DEPLOYMENT] [--config FILE] [--dotenv FILE] [--follow] [--tail N] ${PULUMI_STACK_USAGE}`;

export const logsCommand: Command = {
  name: "logs",
  summary: "show a deployment's Modal logs (`modal app logs`; --follow to stream)",
  async run(args) {
    const { values, positionals } = parseClientArgs(
      "logs",
      args,
      { follow: { type: "boolean", short: "f" }, tail: { type: "string", short: "n" }, ...PULUMI_STACK_OPTIONS },
      USAGE,
      true,
    );
    const context = await withModalStack(await loadEndpointContext(values), values);
    const app = appForLogs(context.config, positionals[0]);
    const tail = values.tail === undefined ? undefined : positiveNumber("tail", values.tail, 0);
    return runAttached(resolveModalCli(context.environment), modalLogsArgs(app, { follow: values.follow ?? false, tail }), context.env);
  },
};
