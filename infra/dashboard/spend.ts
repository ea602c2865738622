/**
 * The cost panel's totals: the estimate from what the dashboard saw (the plan's warm-hour rates ×
 * the containers Modal reported), and the workspace's actual spend where the project can read it.
 * @module
 */
import type { LiveDeployment } from "./monitor";

/** What the cost panel shows. USD. */
export interface SpendView {
  /** Sum of the deployments' burn rates now, USD per hour (estimate); undefined when no rate is known. */
  burnUsdPerHour?: number;
  /** Estimated spend over the time this dashboard watched, USD. */
  watchedUsd: number;
  /** Container-seconds warm over that time. */
  watchedWarmSeconds: number;
  /** Actual spend as Modal bills it, USD; null when unavailable (see `actualNote`). */
  actualUsd: number | null;
  actualNote?: string;
}

/** Totals over the deployments. */
export function spendView(live: readonly LiveDeployment[]): SpendView {
  const rates = live.map((l) => l.burnUsdPerHour).filter((r): r is number => r !== undefined);
  return {
    burnUsdPerHour: rates.length ? rates.reduce((a, b) => a + b, 0) : undefined,
    watchedUsd: live.reduce((a, l) => a + l.watchedSpendUsd, 0),
    watchedWarmSeconds: live.reduce((a, l) => a + l.watchedWarmSeconds, 0),
    actualUsd: null,
    actualNote: "actual spend is not on this page yet: `qwen-code-modal spend` reads it from Modal's billing report; figures here are estimates",
  };
}
