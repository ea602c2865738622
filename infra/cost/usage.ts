/**
 * What a usage profile costs: hours with a container up and cold starts per working day, over a
 * number of working days. GPU time only, at the rates of {@link estimateCost}; a deployment
 * scaled to zero for the rest of the time costs nothing then.
 * @module
 */
import type { CostReport } from "./estimate";

/** How a deployment is used. Units: hours per day, cold starts per day, days. */
export interface UsageProfile {
  /** Hours a container is up on a working day (serving, idle tails after bursts, `warm` periods). */
  warmHoursPerDay: number;
  /** Cold starts on a working day; each pays the startup seconds on top of the warm hours. */
  coldStartsPerDay: number;
  /** Working days in a month. */
  daysPerMonth: number;
}

/** The profile `spend` uses when the stack sets no budget (the budget schema's defaults). */
export const DEFAULT_USAGE_PROFILE: UsageProfile = { warmHoursPerDay: 4, coldStartsPerDay: 4, daysPerMonth: 22 };

/** Average days in a calendar month (365.25 / 12), to pro-rate a monthly profile to a period. */
export const DAYS_PER_CALENDAR_MONTH = 365.25 / 12;

/**
 * USD for `workingDays` days of the profile.
 * @param cost - the deployment's rates (usdPerWarmHour, usdPerColdStart).
 */
export function usageCost(cost: Pick<CostReport, "usdPerWarmHour" | "usdPerColdStart">, profile: UsageProfile, workingDays: number): number {
  return workingDays * (profile.warmHoursPerDay * cost.usdPerWarmHour + profile.coldStartsPerDay * cost.usdPerColdStart);
}

/** USD for a month of the profile. */
export function monthlyUsageCost(cost: Pick<CostReport, "usdPerWarmHour" | "usdPerColdStart">, profile: UsageProfile): number {
  return usageCost(cost, profile, profile.daysPerMonth);
}

/**
 * Working days of the profile in a period: the period's share of a calendar month times the
 * profile's working days a month.
 * @param periodDays - length of the period in days (may be fractional).
 */
export function workingDaysIn(periodDays: number, profile: UsageProfile): number {
  return (periodDays / DAYS_PER_CALENDAR_MONTH) * profile.daysPerMonth;
}
