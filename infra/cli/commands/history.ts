/**
 * `qwen-code-modal history [DEPLOYMENT]`: the deployments Modal recorded for each app
 * (`modal app history --json`), with their tags.
 * @module
 */
import type { Command } from "../command";
import { parseClientArgs } from "../client-options";
import { loadEndpointContext } from "../../endpoints/context";
import { appHistories, formatHistories } from "../../ops/history";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, withModalStack } from "../pulumi-stack";
import { opsModalContext, resolveModalCli } from "../../ops/modal-apps";

const USAGE = `[DEPLOYMENT] [--config FILE] [--dotenv FILE] [--json] ${PULUMI_STACK_USAGE}`;

export const historyCommand: Command = {
  name: "history",
  summary: "the deployments Modal recorded for each app (modal app history), with their tags",
  async run(args) {
    const { values, positionals } = parseClientArgs("history", args, { json: { type: "boolean" }, ...PULUMI_STACK_OPTIONS }, USAGE, true);
    const context = await withModalStack(await loadEndpointContext(values), values);
    const histories = await appHistories(opsModalContext(resolveModalCli(context.environment), context.environment), context.config, positionals[0]);
    console.log(values.json ? JSON.stringify(histories, null, 2) : formatHistories(histories));
    return 0;
  },
};
