/**
 * `qwen-code-modal plan`: render, check with the real modal SDK and print what `pulumi up`
 * would deploy. Needs no Modal account and no network.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../command";
import { loadStackConfig, parseCommandArgs, stackConfigOption } from "../options";
import { prepareDeployments, ShimCheckError } from "../../prepare";
import { buildPlan, formatPlan } from "../../plan/plan";

export const planCommand: Command = {
  name: "plan",
  summary: "render + check the shims with the modal SDK and print the deployment plan (no credentials needed)",
  async run(args) {
    const opts = parseCommandArgs("plan", args, { ...stackConfigOption, json: { type: "boolean" } }, "[--stack-config FILE] [--json]").values;
    const config = await loadStackConfig(opts["stack-config"]);
    const prepared = await prepareDeployments(config).catch((e: Error) =>
      Promise.reject(e instanceof ShimCheckError ? new UserError(e.message) : e),
    );
    const entries = buildPlan(prepared.deployments, config.settings);
    console.log(opts.json ? JSON.stringify({ modalVersion: prepared.modalVersion, deployments: entries }, null, 2) : formatPlan(entries, prepared.modalVersion));
    return 0;
  },
};
