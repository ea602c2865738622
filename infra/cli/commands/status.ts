/**
 * `qwen-code-modal status [--wake]`: health, latency and vLLM metrics of each deployment; an app
 * scaled to zero is shown as such, not woken, unless `--wake`.
 * @module
 */
import type { Command } from "../command";
import { parseClientArgs, positiveNumber } from "../client-options";
import { loadClientContext, type ClientContext } from "../../endpoints/context";
import type { ModalCliContext } from "../../provider/modal-cli";
import { deployedAppTasks, opsModalContext, resolveModalCli } from "../../ops/modal-apps";
import { budgetLine, monthToDateUsd } from "../../ops/spend";
import { ledgerBudgetUse } from "../../ops/ledger";
import { warmStates } from "../../ops/warm";
import { warmRecordsPath } from "../../ops/warm-records";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, withModalStack } from "../pulumi-stack";
import { collectStatus, formatStatus } from "../../ops/status";

/**
 * The budget lines: month-to-date spend from the controller's ledger (any workspace), and Modal's
 * billing report beside it where the workspace has one (a workspace without billing shows the ledger alone).
 */
async function budgetLines(ctx: ModalCliContext, context: ClientContext): Promise<string | undefined> {
  const apps = Object.values(context.config.endpoints).map((e) => e.app);
  const env = context.environment.modal.environment;
  if (!context.config.control) return context.config.budget ? budgetLine(ctx, context.config.budget.usdPerMonth, apps, env) : undefined;
  const [ledger, billed] = await Promise.all([ledgerBudgetUse(ctx, context.config, env), monthToDateUsd(ctx, apps, env).catch(() => undefined)]);
  return [ledger!.line, ...(billed === undefined ? [] : [`billed this month (modal billing report): $${billed.toFixed(2)}`])].join("\n");
}

const USAGE = `[--config FILE] [--dotenv FILE] [--wake] [--request-timeout SECONDS] ${PULUMI_STACK_USAGE}`;

export const statusCommand: Command = {
  name: "status",
  summary: "health, latency and vLLM metrics per endpoint (scaled-to-zero apps are not woken without --wake)",
  async run(args) {
    const { values } = parseClientArgs("status", args, { wake: { type: "boolean" }, "request-timeout": { type: "string" }, ...PULUMI_STACK_OPTIONS }, USAGE);
    const context = await withModalStack(await loadClientContext(values), values);
    const modal = (() => {
      try {
        return resolveModalCli(context.environment);
      } catch (err) {
        return err as Error;
      }
    })();
    const ctx = modal instanceof Error ? undefined : opsModalContext(modal, context.environment);
    const apps = modal instanceof Error ? modal : await deployedAppTasks(modal, context.environment).catch((err: Error) => err);
    const [rows, warm, budget] = await Promise.all([
      collectStatus(context, apps, {
        wake: values.wake ?? false,
        timeoutMs: positiveNumber("request-timeout", values["request-timeout"], values.wake ? 600 : 30) * 1000,
        onHeld: (deployment, line) => console.error(`… ${deployment}: ${line}`),
      }),
      ctx && !(apps instanceof Error) ? warmStates(ctx, warmRecordsPath(context.configPath), context.config.endpoints, apps) : new Map<string, string>(),
      ctx ? budgetLines(ctx, context) : undefined,
    ]);
    console.log(formatStatus(rows.map((r) => ({ ...r, warm: warm.get(r.deployment) }))) + (budget ? `\n\n${budget}` : ""));
    return rows.every((r) => r.state === "up" || r.state === "scaled to zero") ? 0 : 1;
  },
};
