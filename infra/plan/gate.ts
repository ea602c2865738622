/**
 * The deploy gate's bound and GPU cost, from the plan's cold-start estimate (infra/conformance/gate.ts
 * runs the checks; the ModalApp provider runs the gate after each `modal deploy`).
 * @module
 */
import type { Deployment, StackSettings } from "../config/schema";

/** Seconds added to the cold-start estimate: scheduling a GPU, image pull, and the checks themselves. */
export const GATE_MARGIN_SECONDS = 300;

/** Seconds of warm GPU the checks take once the endpoint serves (a dozen short requests and one long prompt). */
export const GATE_CHECK_SECONDS = 90;

/**
 * The gate's bound for a deployment, seconds, or undefined when the gate is off.
 * Precedence: the deployment's `verifyDeploy` (the older per-deployment key: `false` off, a number
 * the bound), then the stack's `gate` (`false` off, a number the bound, `true`/unset: the plan's
 * cold-start estimate — `startupTimeout` when there is none — plus {@link GATE_MARGIN_SECONDS}).
 */
export function gateBoundSeconds(d: Pick<Deployment, "verifyDeploy" | "startupTimeout">, settings: Pick<StackSettings, "gate">, startupEstimateSeconds: number | null): number | undefined {
  const choice = d.verifyDeploy ?? settings.gate ?? true;
  if (choice === false) return undefined;
  if (typeof choice === "number") return choice;
  return Math.ceil((startupEstimateSeconds ?? d.startupTimeout) + GATE_MARGIN_SECONDS);
}

/**
 * USD of GPU time one gate run costs: a cold start, the checks, and the idle tail until Modal
 * scales the container down (`scaledownWindow`), when no one else uses it.
 */
export function gateUsd(cost: { usdPerColdStart: number; usdPerWarmHour: number }, scaledownWindowSeconds: number): number {
  return cost.usdPerColdStart + (cost.usdPerWarmHour * (GATE_CHECK_SECONDS + scaledownWindowSeconds)) / 3600;
}
