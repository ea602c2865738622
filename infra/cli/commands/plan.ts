/**
 * `qwen-code-modal plan`: render, check with the real modal SDK and print what `pulumi up`
 * would deploy. Needs no Modal account and no network.
 * @module
 */
import type { Command } from "../command";
import { resolveEnvironment } from "../../core/environment";
import { UserError } from "../../core/errors";
import { loadStackConfig, parseCommandArgs, stackConfigOption } from "../options";
import { prepareDeployments, vllmCheckEnvironment } from "../../prepare";
import { buildPlan, formatPlan } from "../../plan/plan";
import { buildImageEditPlan, formatImageEditPlan } from "../../plan/image-edit-plan";
import { formatLiveRates, liveRates } from "../../plan/live-rates";
import { budgetOutlook, formatBudgetOutlook } from "../../plan/budget";
import { defaultBenchDir, readBenchResult } from "../../bench/results";

export const planCommand: Command = {
  name: "plan",
  summary: "render + check the shims with the modal SDK (and the pinned vLLM when installed) and print the plan: capacity, cost, cold start (no credentials needed; --live-rates asks Modal)",
  async run(args) {
    const opts = parseCommandArgs(
      "plan",
      args,
      { ...stackConfigOption, json: { type: "boolean" }, "live-rates": { type: "boolean" }, "bench-dir": { type: "string" }, sessions: { type: "string" }, "session-context": { type: "string" } },
      "[--stack-config FILE] [--json] [--live-rates] [--bench-dir DIR] [--sessions N [--session-context TOKENS]]",
    ).values;
    const whole = (name: string, value: string | undefined) => {
      if (value === undefined) return undefined;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new UserError(`--${name} must be a whole number from 1 to 1,000,000 (got "${value}")`);
      return n;
    };
    const sessions = whole("sessions", opts.sessions);
    const contextTokens = whole("session-context", opts["session-context"]);
    if (contextTokens !== undefined && sessions === undefined) throw new UserError("--session-context needs --sessions N (the number of agent sessions to size for)");
    const environment = resolveEnvironment();
    const config = await loadStackConfig(opts["stack-config"]);
    // The vLLM check (tens of seconds: vLLM's import) runs when the pinned vLLM is installed, unless QCM_VLLM_CHECK=0.
    // Both checks' results are kept in the cache folder: an unchanged shim is not checked again.
    const prepared = await prepareDeployments(config, { python: environment.modal.python, vllm: vllmCheckEnvironment(environment), cacheDir: environment.cacheDir });
    for (const warning of prepared.warnings) console.error(`warning: ${warning}`);
    // The last `bench` result of each deployment at this exact config, shown next to the estimates.
    const benchDir = opts["bench-dir"] ?? defaultBenchDir(environment.vars);
    const measured = new Map(
      await Promise.all(prepared.deployments.map(async (p) => [p.name, await readBenchResult(benchDir, p.name, p.shim.inputsHash)] as const)),
    );
    const entries = buildPlan(prepared.deployments, config.settings, (name) => measured.get(name) ?? null, sessions === undefined ? undefined : { sessions, contextTokens });
    const imageEdits = buildImageEditPlan(prepared.imageEdits, config.settings);
    const budget = config.settings.budget ? budgetOutlook(entries, config.settings.budget) : undefined;
    // Opt-in: needs Modal credentials and network, unlike the rest of the plan.
    const rates = opts["live-rates"] ? await liveRates(environment) : undefined;
    if (opts.json) {
      console.log(JSON.stringify({ modalVersion: prepared.modalVersion, vllm: prepared.vllm ?? null, deployments: entries, ...(imageEdits.length ? { imageEdits } : {}), ...(budget ? { budget } : {}), ...(rates ? { liveRates: rates } : {}) }, null, 2));
    } else {
      const extra = [budget ? formatBudgetOutlook(budget) : "", rates ? formatLiveRates(rates) : ""].filter(Boolean);
      console.log([formatPlan(entries, prepared.modalVersion, formatImageEditPlan(imageEdits), prepared.vllm), ...extra].join("\n\n"));
    }
    return 0;
  },
};
