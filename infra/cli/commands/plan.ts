/**
 * `qwen-code-modal plan`: render, check with the real modal SDK and print what `pulumi up`
 * would deploy. Needs no Modal account and no network.
 * @module
 */
import type { Command } from "../command";
import { loadStackConfig, parseCommandArgs, stackConfigOption } from "../options";
import { prepareDeployments } from "../../prepare";
import { buildPlan, formatPlan } from "../../plan/plan";
import { buildImageEditPlan, formatImageEditPlan } from "../../plan/image-edit-plan";
import { formatLiveRates, liveRates } from "../../plan/live-rates";

export const planCommand: Command = {
  name: "plan",
  summary: "render + check the shims with the modal SDK and print the plan: capacity, cost, cold start (no credentials needed; --live-rates asks Modal)",
  async run(args) {
    const opts = parseCommandArgs(
      "plan",
      args,
      { ...stackConfigOption, json: { type: "boolean" }, "live-rates": { type: "boolean" } },
      "[--stack-config FILE] [--json] [--live-rates]",
    ).values;
    const config = await loadStackConfig(opts["stack-config"]);
    const prepared = await prepareDeployments(config);
    const entries = buildPlan(prepared.deployments, config.settings);
    const imageEdits = buildImageEditPlan(prepared.imageEdits, config.settings);
    // Opt-in: needs Modal credentials and network, unlike the rest of the plan.
    const rates = opts["live-rates"] ? await liveRates() : undefined;
    if (opts.json) {
      console.log(JSON.stringify({ modalVersion: prepared.modalVersion, deployments: entries, ...(imageEdits.length ? { imageEdits } : {}), ...(rates ? { liveRates: rates } : {}) }, null, 2));
    } else {
      console.log(formatPlan(entries, prepared.modalVersion, formatImageEditPlan(imageEdits)) + (rates ? `

${formatLiveRates(rates)}` : ""));
    }
    return 0;
  },
};
