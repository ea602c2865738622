/**
 * The plan figures the page shows next to each deployment (GPU, capacity, cost, cold start): the
 * same `plan` as `qwen-code-modal plan` (shims rendered and checked by the real modal SDK), from the
 * stack config the command loaded (embedded defaults or `--stack-config FILE`). Computed once in the background at start; a failure
 * leaves the page without plan figures and says why.
 * @module
 */
import type { ResolvedConfig } from "../config/resolve";
import type { Environment } from "../core/environment";
import { buildPlan, type PlanEntry } from "../plan/plan";
import { prepareDeployments } from "../prepare";

/** The plan by deployment name, or why there is none. */
export interface PlanSource {
  entries: Map<string, PlanEntry>;
  error?: string;
}

/**
 * Builds the plan; never throws (the error is kept for the page).
 * @param stackConfig - loads the stack config (may throw a UserError listing bad keys).
 * @param environment - the dashboard's environment (its Python with the modal SDK checks the shims).
 */
export async function loadPlan(stackConfig: () => Promise<ResolvedConfig>, environment: Environment): Promise<PlanSource> {
  try {
    const config = await stackConfig();
    const prepared = await prepareDeployments(config, { python: environment.modal.python, cacheDir: environment.cacheDir });
    return { entries: new Map(buildPlan(prepared.deployments, config.settings).map((e) => [e.name, e])) };
  } catch (err) {
    return { entries: new Map(), error: `plan unavailable: ${(err as Error).message}` };
  }
}
