/**
 * Month-to-date GPU spend from the controller's ledger (infra/cost/ledger.ts), read from its
 * `modal.Dict` with `modal dict items NAME --json` (../provider/modal-dict.ts). Works for every
 * workspace: it needs no billing access, only the Dict the GPU containers write. Used by `spend`,
 * `status` and the dashboard ({@link ledgerBudgetUse}).
 * @module
 */
import type { EndpointConfig } from "@qwen-code-modal/contract";
import { ledgerEntries, ledgerSpend, monthStartSeconds, type LedgerAppSpend } from "../cost/ledger";
import { isModalCliError, type ModalCliContext } from "../provider/modal-cli";
import { modalDictItems } from "../provider/modal-dict";
import { modalMessage } from "./modal-apps";

/** The controller facts of the endpoint config. */
export type ControlFacts = NonNullable<EndpointConfig["control"]>;

/** A GPU app the controller stopped because the budget ran out. Times: epoch seconds. */
export interface StoppedByBudget {
  app: string;
  month: string;
  at: number;
  spentUsd: number;
  budgetUsd: number;
}

/** The ledger over a period (this month unless asked otherwise). Units: USD, seconds. */
export interface LedgerReport {
  /** `YYYY-MM` (UTC) of `now`. */
  month: string;
  /** The period priced, ISO 8601 UTC; `until` is at most now. */
  since: string;
  until: string;
  lines: LedgerAppSpend[];
  totalUsd: number;
  stoppedByBudget: StoppedByBudget[];
}

/**
 * Reads and prices the ledger, month to date (or over `period`, cut at now).
 * @param environment - the Modal environment the stack deploys to (the Dict lives there).
 * @throws Error `modal dict items failed: <modal's last line>` when modal cannot read it.
 */
export async function readLedger(
  ctx: ModalCliContext,
  control: ControlFacts,
  environment: string | undefined,
  now: Date = new Date(),
  period?: { start: Date; end: Date },
): Promise<LedgerReport> {
  const items = await modalDictItems({ ...ctx, ...(environment ? { environment } : {}) }, control.dict).catch((err: unknown) => {
    throw isModalCliError(err) ? new Error(`modal dict items ${control.dict} failed: ${modalMessage(err)}`) : err;
  });
  const since = period ? period.start.getTime() / 1000 : monthStartSeconds(now);
  const until = Math.min(period ? period.end.getTime() / 1000 : Infinity, now.getTime() / 1000);
  const lines = ledgerSpend(ledgerEntries(items), control.usdPerSecond, since, until);
  const month = now.toISOString().slice(0, 7);
  const stoppedByBudget = items.flatMap((i) => {
    const v = i.value as Record<string, unknown> | null;
    if (!i.key.startsWith("stopped:") || !v || v.reason !== "budget") return [];
    return [{ app: String(v.app), month: String(v.month), at: Number(v.at), spentUsd: Number(v.spent_usd), budgetUsd: Number(v.budget_usd) }];
  });
  const iso = (t: number) => new Date(t * 1000).toISOString();
  return { month, since: iso(since), until: iso(Math.max(since, until)), lines, totalUsd: lines.reduce((s, l) => s + l.usd, 0), stoppedByBudget };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** `budget: $12.50 of $300.00 this month (4.2%), GPU-seconds ledger`, or without a budget the spend alone. */
export function formatLedgerBudget(r: LedgerReport, usdPerMonth: number | undefined): string {
  if (usdPerMonth === undefined) return `GPU spend this month (ledger): ${usd(r.totalUsd)}`;
  const over = r.totalUsd >= usdPerMonth ? " — budget reached" : "";
  return `budget: ${usd(r.totalUsd)} of ${usd(usdPerMonth)} this month (${((100 * r.totalUsd) / usdPerMonth).toFixed(1)}%), GPU-seconds ledger${over}`;
}

/** Lines naming the apps the budget stopped, with what brings them back. */
export function formatStoppedByBudget(r: LedgerReport): string[] {
  return r.stoppedByBudget
    .filter((s) => s.month === r.month)
    .map((s) => `${s.app}: stopped by the budget at ${new Date(s.at * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC (${usd(s.spentUsd)} of ${usd(s.budgetUsd)}); raise qwen-code-modal:budget.usdPerMonth, then \`pulumi up --refresh\` redeploys it`);
}

/**
 * The budget line of `status` and the dashboard from the endpoint config: ledger spend against the
 * budget, or why it is unknown. Undefined when the stack has no controller.
 */
export async function ledgerBudgetUse(ctx: ModalCliContext, config: EndpointConfig, environment: string | undefined, now: Date = new Date()): Promise<{ report?: LedgerReport; line: string } | undefined> {
  if (!config.control) return undefined;
  try {
    const report = await readLedger(ctx, config.control, environment, now);
    return { report, line: [formatLedgerBudget(report, config.budget?.usdPerMonth), ...formatStoppedByBudget(report)].join("\n") };
  } catch (err) {
    return { line: `budget: ledger unknown: ${(err as Error).message}` };
  }
}
