/**
 * `qwen-code-modal spend [--for RANGE | --start DATE [--end DATE]]`: what each deployment cost, from
 * the controller's GPU-seconds ledger (any workspace) and what Modal billed (`modal billing report`,
 * where the workspace has billing reports), next to the plan's estimate for the same period, and the
 * share of the monthly budget used. Needs Modal credentials.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { loadStackConfig, parseCommandArgs, stackConfigOption } from "../options";
import { DOTENV_OPTIONS, dotenvFile } from "../client-options";
import { resolveEnvironment } from "../../core/environment";
import { prepareDeployments } from "../../prepare";
import { buildPlan } from "../../plan/plan";
import { opsModalContext, resolveModalCli } from "../../ops/modal-apps";
import { datePeriod, formatSpend, namedPeriod, spendReport } from "../../ops/spend";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, modalEnvironmentOf } from "../pulumi-stack";
import { controlFacts } from "../../render/control-shim";

const USAGE = `[--stack-config FILE] [--dotenv FILE] [--for "this month"|today|yesterday|"this week"|"last week"|"last month" | --start YYYY-MM-DD [--end YYYY-MM-DD]] [--json] ${PULUMI_STACK_USAGE}`;

export const spendCommand: Command = {
  name: "spend",
  summary: "what each deployment cost over a period (the controller's GPU-seconds ledger; modal billing report where available) next to plan's estimate, and budget use",
  async run(args) {
    const { values } = parseCommandArgs(
      "spend",
      args,
      { ...stackConfigOption, ...DOTENV_OPTIONS, ...PULUMI_STACK_OPTIONS, for: { type: "string" }, start: { type: "string" }, end: { type: "string" }, json: { type: "boolean" } },
      USAGE,
    );
    if (values.for !== undefined && (values.start !== undefined || values.end !== undefined)) {
      throw new UserError("spend: --for cannot be combined with --start/--end; give one or the other");
    }
    if (values.end !== undefined && values.start === undefined) throw new UserError("spend: --end needs --start");
    const period = values.start !== undefined ? datePeriod(values.start, values.end) : namedPeriod(values.for ?? "this month");
    const config = await loadStackConfig(values["stack-config"]);
    const environment = await modalEnvironmentOf(resolveEnvironment({ envFile: dotenvFile(values) }), values);
    const ctx = opsModalContext(resolveModalCli(environment), environment);
    const prepared = await prepareDeployments(config, { python: environment.modal.python, cacheDir: environment.cacheDir });
    const entries = buildPlan(prepared.deployments, config.settings);
    const report = await spendReport(ctx, {
      period,
      entries,
      environment: config.settings.environment ?? environment.modal.environment,
      budget: config.settings.budget,
      ...(prepared.control ? { control: controlFacts(prepared.control.config) } : {}),
    });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatSpend(report));
    return 0;
  },
};
