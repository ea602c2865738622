/**
 * The stack's monthly budget against the plan: what the budget's usage profile costs per
 * deployment (on the dearest GPU type a fallback list allows, since Modal may land there), and a
 * warning when the total exceeds the budget.
 * @module
 */
import type { Budget } from "../config/schema";
import { monthlyUsageCost, type UsageProfile } from "../cost/usage";
import type { PlanEntry } from "./plan";

/** Expected monthly cost of one deployment under the profile (USD). */
export interface BudgetLine {
  deployment: string;
  /** The GPU type the figure assumes (the dearest listed). */
  gpu: string;
  usdPerMonth: number;
}

/** The plan against the budget. Units: USD per month. */
export interface BudgetOutlook {
  budgetUsdPerMonth: number;
  profile: UsageProfile;
  lines: BudgetLine[];
  expectedUsdPerMonth: number;
  /** Set when the expected cost exceeds the budget: what to change. */
  warning?: string;
}

/** Compares the plan's expected monthly cost under the budget's usage profile with the budget. */
export function budgetOutlook(entries: readonly PlanEntry[], budget: Budget): BudgetOutlook {
  const profile: UsageProfile = { warmHoursPerDay: budget.warmHoursPerDay, coldStartsPerDay: budget.coldStartsPerDay, daysPerMonth: budget.daysPerMonth };
  const lines = entries.map((e) => {
    const priced = e.gpuOptions.map((o) => ({ gpu: o.gpu, usdPerMonth: monthlyUsageCost(o, profile) }));
    const dearest = priced.reduce((a, b) => (b.usdPerMonth > a.usdPerMonth ? b : a));
    return { deployment: e.name, ...dearest };
  });
  const expectedUsdPerMonth = lines.reduce((sum, l) => sum + l.usdPerMonth, 0);
  const outlook: BudgetOutlook = { budgetUsdPerMonth: budget.usdPerMonth, profile, lines, expectedUsdPerMonth };
  if (expectedUsdPerMonth > budget.usdPerMonth) {
    outlook.warning =
      `budget: the usage profile (${describeProfile(profile)}) is expected to cost $${expectedUsdPerMonth.toFixed(2)}/month, ` +
      `over the budget of $${budget.usdPerMonth.toFixed(2)}; raise qwen-code-modal:budget.usdPerMonth, ` +
      `use fewer warm hours or cold starts, or a cheaper GPU`;
  }
  return outlook;
}

/** `4 h warm + 4 cold starts a day, 22 days a month`. */
export function describeProfile(p: UsageProfile): string {
  return `${p.warmHoursPerDay} h warm + ${p.coldStartsPerDay} cold starts a day, ${p.daysPerMonth} days a month`;
}

/** The outlook as text lines for `plan`. */
export function formatBudgetOutlook(o: BudgetOutlook): string {
  const parts = o.lines.map((l) => `${l.deployment} $${l.usdPerMonth.toFixed(2)} (${l.gpu})`).join(", ");
  const head = `Budget: $${o.budgetUsdPerMonth.toFixed(2)}/month; expected $${o.expectedUsdPerMonth.toFixed(2)}/month for ${describeProfile(o.profile)}: ${parts}.`;
  return o.warning ? `${head}\nwarning: ${o.warning}` : head;
}
