/**
 * `spend`: what each deployment's app cost over a period: from the controller's GPU-seconds ledger
 * (./ledger.ts; every workspace) and what Modal billed (`modal billing report`; Team/Enterprise
 * workspaces), next to what the plan's rates and a usage profile predict for the same period, and
 * how much of the monthly budget this month has used (the ledger's figure when the stack has the
 * controller, which is what the controller enforces; else the billed one).
 * @module
 */
import { UserError } from "../core/errors";
import type { Budget } from "../config/schema";
import { DEFAULT_USAGE_PROFILE, usageCost, workingDaysIn, type UsageProfile } from "../cost/usage";
import { BillingNotExposedError, modalBillingReport, type BillingRow } from "../provider/modal-billing";
import { isModalCliError, type ModalCliContext } from "../provider/modal-cli";
import { describeProfile } from "../plan/budget";
import type { PlanEntry } from "../plan/plan";
import { modalMessage } from "./modal-apps";
import { readLedger, type ControlFacts } from "./ledger";

/** A billing period, UTC, end exclusive (as `modal billing report` reads `--start/--end`). */
export interface Period {
  /** What the user asked for: a named range or `START..END`. */
  label: string;
  start: Date;
  end: Date;
}

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * A named range as modal 1.6.4 reads `--for` (modal/_utils/time_utils.py:167 `parse_date_range`, UTC,
 * weeks from Monday): today, yesterday, this week, last week, this month, last month.
 * @throws UserError for another name, listing the accepted ones.
 */
export function namedPeriod(name: string, now: Date = new Date()): Period {
  const s = name.trim().toLowerCase();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const days = (d: Date, n: number) => new Date(d.getTime() + n * DAY_MS);
  const monday = days(today, -((today.getUTCDay() + 6) % 7));
  const month = (n: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + n, 1));
  const ranges: Record<string, [Date, Date]> = {
    today: [today, days(today, 1)],
    yesterday: [days(today, -1), today],
    "this week": [monday, days(monday, 7)],
    "last week": [days(monday, -7), monday],
    "this month": [month(0), month(1)],
    "last month": [month(-1), month(0)],
  };
  const range = ranges[s];
  if (!range) throw new UserError(`--for: got "${name}"; use one of ${Object.keys(ranges).map((k) => `"${k}"`).join(", ")}`);
  return { label: s, start: range[0], end: range[1] };
}

/**
 * A period from `--start` and optional `--end` dates (YYYY-MM-DD, UTC; end exclusive, default tomorrow).
 * @throws UserError for a malformed date or an end not after the start.
 */
export function datePeriod(start: string, end: string | undefined, now: Date = new Date()): Period {
  const parse = (flag: string, v: string) => {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : new Date(Number.NaN);
    if (Number.isNaN(d.getTime())) throw new UserError(`--${flag}: got "${v}"; use a date like 2026-12-01 (UTC)`);
    return d;
  };
  const s = parse("start", start);
  const e = end === undefined ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)) : parse("end", end);
  if (e <= s) throw new UserError(`--end: got "${end}"; must be after --start ${start}`);
  return { label: `${isoDay(s)}..${isoDay(e)}`, start: s, end: e };
}

/** One deployment's spend. Units: USD. */
export interface SpendLine {
  deployment: string;
  app: string;
  /** What Modal billed the app in the period (before credits); null when the workspace has no billing reports. */
  actualUsd: number | null;
  /** GPU cost from the controller's ledger in the period (until now); absent without the controller. */
  ledgerUsd?: number;
  /** What the usage profile costs at the plan's rates for the same period. */
  estimateUsd: number;
  /** The actual cost (billed, else the ledger's) in warm hours at the plan's rate (how long a container was up, roughly). */
  warmHoursEquivalent: number;
}

/** Budget use this month. Units: USD. */
export interface BudgetUse {
  usdPerMonth: number;
  usedUsd: number;
  /** used / budget, 0..n. */
  fraction: number;
  /** Where `usedUsd` comes from: the controller's ledger, or the billing report. */
  source?: "ledger" | "billing";
}

/** The whole report. */
export interface SpendReport {
  period: { label: string; start: string; end: string };
  profile: UsageProfile;
  /** Whether the profile is the stack's budget profile or the default. */
  profileSource: "budget" | "default";
  lines: SpendLine[];
  /** Billed to other apps of the workspace in the period (not this stack's); null without billing reports. */
  otherAppsUsd: number | null;
  /** Why there are no billed figures (the workspace has no billing reports); absent when there are. */
  billingUnavailable?: string;
  budget?: BudgetUse;
}

/** What `spend` compares. */
export interface SpendInputs {
  period: Period;
  entries: readonly PlanEntry[];
  /** Modal environment the apps live in; rows of other environments are ignored. Unset: all. */
  environment?: string;
  budget?: Budget;
  /** The controller's facts (endpoint config `control`), when the stack deploys it: the ledger is read. */
  control?: ControlFacts;
}

/**
 * Sums billed rows per app name (and environment, when given).
 * @returns USD by app name.
 */
export function costByApp(rows: readonly BillingRow[], apps: readonly string[], environment?: string): { byApp: Map<string, number>; otherUsd: number } {
  const byApp = new Map(apps.map((a) => [a, 0]));
  let otherUsd = 0;
  for (const r of rows) {
    const mine = byApp.has(r.description) && (environment === undefined || r.environment === environment);
    if (mine) byApp.set(r.description, byApp.get(r.description)! + r.cost);
    else otherUsd += r.cost;
  }
  return { byApp, otherUsd };
}

/** The workspace's plan has no billing reports (the message says so and what to do). */
export class BillingUnavailableError extends UserError {
  override name = "BillingUnavailableError";
}

/**
 * `modal billing report` for a period, with a one-line error for the user.
 * @throws UserError "billing is not exposed" when the workspace's plan has no billing reports, or modal's own last line otherwise.
 */
export async function billedRows(ctx: ModalCliContext, period: Period): Promise<BillingRow[]> {
  try {
    return await modalBillingReport(ctx, { start: isoDay(period.start), end: isoDay(period.end) });
  } catch (err) {
    if (err instanceof BillingNotExposedError) {
      throw new BillingUnavailableError(
        `Modal does not expose billing reports to this workspace or token (${err.message}); ` +
          `they need a Team or Enterprise plan (modal.com/docs/guide/billing). See usage in the Modal dashboard, Settings > Usage & Billing`,
      );
    }
    if (isModalCliError(err)) throw new UserError(`modal billing report failed: ${modalMessage(err)}`);
    throw err;
  }
}

/**
 * Compares the ledger's and the billed cost with the plan for the period, and this month's total
 * with the budget. Without billing reports, the ledger alone (when the stack has the controller).
 * @throws BillingUnavailableError when the workspace has no billing reports and the stack no controller.
 */
export async function spendReport(ctx: ModalCliContext, inputs: SpendInputs, now: Date = new Date()): Promise<SpendReport> {
  const apps = inputs.entries.map((e) => e.app);
  const ledger = inputs.control ? await readLedger(ctx, inputs.control, inputs.environment, now, inputs.period) : undefined;
  let billingUnavailable: string | undefined;
  const rows = await billedRows(ctx, inputs.period).catch((err: unknown) => {
    if (!(inputs.control && err instanceof BillingUnavailableError)) throw err;
    billingUnavailable = err.message;
    return undefined;
  });
  const billed = rows ? costByApp(rows, apps, inputs.environment) : undefined;
  const profile = inputs.budget ?? DEFAULT_USAGE_PROFILE;
  const periodDays = (inputs.period.end.getTime() - inputs.period.start.getTime()) / DAY_MS;
  const lines = inputs.entries.map((e): SpendLine => {
    const rate = e.gpuOptions[0];
    const actualUsd = billed ? (billed.byApp.get(e.app) ?? 0) : null;
    const ledgerUsd = ledger?.lines.find((l) => l.app === e.app)?.usd ?? (ledger ? 0 : undefined);
    return {
      deployment: e.name,
      app: e.app,
      actualUsd,
      ...(ledgerUsd === undefined ? {} : { ledgerUsd }),
      estimateUsd: usageCost(rate, profile, workingDaysIn(periodDays, profile)),
      warmHoursEquivalent: (actualUsd ?? ledgerUsd ?? 0) / rate.usdPerWarmHour,
    };
  });
  const report: SpendReport = {
    period: { label: inputs.period.label, start: inputs.period.start.toISOString(), end: inputs.period.end.toISOString() },
    profile: { warmHoursPerDay: profile.warmHoursPerDay, coldStartsPerDay: profile.coldStartsPerDay, daysPerMonth: profile.daysPerMonth },
    profileSource: inputs.budget ? "budget" : "default",
    lines,
    otherAppsUsd: billed ? billed.otherUsd : null,
    ...(billingUnavailable ? { billingUnavailable } : {}),
  };
  if (inputs.budget) {
    const month = namedPeriod("this month", now);
    const sameMonth = inputs.period.start.getTime() === month.start.getTime() && inputs.period.end.getTime() === month.end.getTime();
    const usedUsd = inputs.control
      ? (sameMonth ? ledger! : await readLedger(ctx, inputs.control, inputs.environment, now)).totalUsd
      : sameMonth
        ? lines.reduce((s, l) => s + (l.actualUsd ?? 0), 0)
        : await monthToDateUsd(ctx, apps, inputs.environment, now);
    report.budget = { usdPerMonth: inputs.budget.usdPerMonth, usedUsd, fraction: usedUsd / inputs.budget.usdPerMonth, source: inputs.control ? "ledger" : "billing" };
  }
  return report;
}

/** What Modal billed the apps this calendar month (UTC). @throws UserError as {@link billedRows}. */
export async function monthToDateUsd(ctx: ModalCliContext, apps: readonly string[], environment: string | undefined, now: Date = new Date()): Promise<number> {
  const { byApp } = costByApp(await billedRows(ctx, namedPeriod("this month", now)), apps, environment);
  return [...byApp.values()].reduce((a, b) => a + b, 0);
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** `budget: $12.50 of $300.00 this month (4.2%)`. */
export function formatBudgetUse(b: BudgetUse): string {
  const over = b.usedUsd > b.usdPerMonth ? " — over budget" : "";
  const from = b.source === "ledger" ? ", GPU-seconds ledger" : "";
  return `budget: ${usd(b.usedUsd)} of ${usd(b.usdPerMonth)} this month (${(b.fraction * 100).toFixed(1)}%)${from}${over}`;
}

const usdOrDash = (n: number | null | undefined) => (n === null || n === undefined ? "-" : usd(n));

/** The report as a text table. */
export function formatSpend(r: SpendReport): string {
  const withLedger = r.lines.some((l) => l.ledgerUsd !== undefined);
  const header = ["deployment", "app", ...(withLedger ? ["ledger"] : []), "billed", "plan estimate", "≈ warm hours"];
  const sum = (f: (l: SpendLine) => number | null | undefined) => (r.lines.some((l) => f(l) == null) ? null : r.lines.reduce((s, l) => s + (f(l) ?? 0), 0));
  const rows = r.lines.map((l) => [l.deployment, l.app, ...(withLedger ? [usdOrDash(l.ledgerUsd)] : []), usdOrDash(l.actualUsd), usd(l.estimateUsd), l.warmHoursEquivalent.toFixed(1)]);
  rows.push(["total", "", ...(withLedger ? [usdOrDash(sum((l) => l.ledgerUsd))] : []), usdOrDash(sum((l) => l.actualUsd)), usd(r.lines.reduce((s, l) => s + l.estimateUsd, 0)), ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  const profile = `${describeProfile(r.profile)} (${r.profileSource === "budget" ? "qwen-code-modal:budget" : "default profile; set qwen-code-modal:budget"})`;
  const sources = [
    ...(withLedger ? ["ledger: GPU seconds the containers recorded (qcm-control's Dict) at plan's rates, until now"] : []),
    r.billingUnavailable ? `billed: unavailable (${r.billingUnavailable})` : "billed: modal billing report, USD before credits, full days only",
  ];
  return [
    `Spend ${r.period.start.slice(0, 10)} to ${r.period.end.slice(0, 10)} (UTC, end exclusive; "${r.period.label}").`,
    "",
    line(header),
    ...rows.map(line),
    "",
    ...sources,
    `plan estimate: ${profile}, at plan's rates for the first GPU type.`,
    ...(r.otherAppsUsd ? [`other apps in the workspace: ${usd(r.otherAppsUsd)}`] : []),
    ...(r.budget ? [formatBudgetUse(r.budget)] : []),
  ].join("\n");
}

/**
 * `status`'s budget line: this month's billed cost of the apps against the budget, or why it is unknown.
 */
export async function budgetLine(ctx: ModalCliContext, usdPerMonth: number, apps: readonly string[], environment: string | undefined): Promise<string> {
  try {
    const usedUsd = await monthToDateUsd(ctx, apps, environment);
    return formatBudgetUse({ usdPerMonth, usedUsd, fraction: usedUsd / usdPerMonth });
  } catch (err) {
    return `budget: ${usd(usdPerMonth)}/month; billed this month unknown: ${(err as Error).message}`;
  }
}
