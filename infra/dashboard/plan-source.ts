/**
 * The plan figures the page shows next to each deployment (GPU, capacity, cost, cold start): the
 * same `plan` as `qwen-code-modal plan` (shims rendered and checked by the real modal SDK), from the
 * embedded defaults or `--stack-config FILE`. Computed once in the background at start; a failure
 * leaves the page without plan figures and says why.
 * @module
 */
import { loadStackConfig } from "../cli/options";
import type { Environment } from "../core/environment";
import { buildPlan, type PlanEntry } from "../plan/plan";
import { prepareDeployments } from "../prepare";

/** The plan by deployment name, or why there is none. */
export interface PlanSource {
  entries: Map<string, PlanEntry>;
  /** Where the figures come from: `defaults` or the stack-config file. */
  from: string;
  error?: string;
}

/**
 * Builds the plan; never throws (the error is kept for the page).
 * @param environment - the dashboard's environment (its Python with the modal SDK checks the shims).
 */
export async function loadPlan(stackConfigFile: string | undefined, environment: Environment): Promise<PlanSource> {
  const from = stackConfigFile ?? "defaults";
  try {
    const config = await loadStackConfig(stackConfigFile);
    const prepared = await prepareDeployments(config, { python: environment.modal.python });
    return { entries: new Map(buildPlan(prepared.deployments, config.settings).map((e) => [e.name, e])), from };
  } catch (err) {
    return { entries: new Map(), from, error: `plan unavailable: ${(err as Error).message}` };
  }
}
