/**
 * The cost panel: the estimate from what the dashboard saw (the plan's warm-hour rates × the
 * containers Modal reported) and the actual spend from every source that can say it, each
 * labelled with where it comes from and when it was read.
 *
 * Sources of actual spend ({@link ActualSpendSource}), shown side by side: Modal's billing report
 * (`modal billing report`, the same reader `qwen-code-modal spend` uses, ops/spend.ts) where the
 * workspace has one, and the controller's GPU-seconds ledger (ops/ledger.ts `readLedger`, as
 * `spend` and `status` read it) when the stack deploys the controller.
 * @module
 */
import type { EndpointConfig } from "@qwen-code-modal/contract";
import type { ModalCliContext } from "../provider/modal-cli";
import { billedRows, costByApp, namedPeriod } from "../ops/spend";
import { readLedger, type ControlFacts } from "../ops/ledger";
import type { SpendReading } from "./history-store";
import type { LiveDeployment } from "./monitor";

/** One source of actual spend. */
export interface ActualSpendSource {
  /** Label on the page, e.g. `Modal billing report`. */
  name: string;
  /**
   * Reads the figure now.
   * @throws Error (a UserError for the user) when the source cannot say: the page shows the message.
   */
  read(): Promise<SpendReading>;
}

/** Modal's billing report for this month so far (UTC), summed over the endpoint config's apps. */
export function billingReportSource(ctx: () => ModalCliContext, config: EndpointConfig, environment: string | undefined): ActualSpendSource {
  const name = "Modal billing report";
  return {
    name,
    async read() {
      const period = namedPeriod("this month");
      const apps = new Map(Object.entries(config.endpoints).map(([deployment, e]) => [e.app, deployment]));
      const { byApp } = costByApp(await billedRows(ctx(), period), [...apps.keys()], environment);
      const byDeployment = Object.fromEntries([...byApp].map(([app, usd]) => [apps.get(app)!, usd]));
      return { source: name, period: `${period.label} (UTC) so far`, usd: Object.values(byDeployment).reduce((a, b) => a + b, 0), t: Date.now() / 1000, byDeployment };
    },
  };
}

/** The controller's ledger, this month so far (UTC): GPU-seconds its containers recorded × its rates. */
export function ledgerSource(ctx: () => ModalCliContext, config: EndpointConfig, control: ControlFacts, environment: string | undefined): ActualSpendSource {
  const name = "controller ledger";
  return {
    name,
    async read() {
      const report = await readLedger(ctx(), control, environment);
      const byDeployment = Object.fromEntries(
        Object.entries(config.endpoints).map(([deployment, e]) => [deployment, report.lines.find((l) => l.app === e.app)?.usd ?? 0]),
      );
      return { source: name, period: `${report.month} (UTC) so far`, usd: report.totalUsd, t: Date.now() / 1000, byDeployment };
    },
  };
}

/** One source's latest answer: a reading, or why there is none. */
export interface ActualSpend {
  source: string;
  reading?: SpendReading;
  /** Why the source could not say (e.g. the workspace has no billing reports). */
  problem?: string;
}

/** What the cost panel shows. USD. */
export interface SpendView {
  /** Sum of the deployments' burn rates now, USD per hour (estimate); undefined when no rate is known. */
  burnUsdPerHour?: number;
  /** Estimated spend over the time this dashboard watched, USD. */
  watchedUsd: number;
  /** Container-seconds warm over that time. */
  watchedWarmSeconds: number;
  /** Each source of actual spend, labelled. */
  actual: ActualSpend[];
}

/** Totals over the deployments, with the sources' latest answers. */
export function spendView(live: readonly LiveDeployment[], actual: readonly ActualSpend[]): SpendView {
  const rates = live.map((l) => l.burnUsdPerHour).filter((r): r is number => r !== undefined);
  return {
    burnUsdPerHour: rates.length ? rates.reduce((a, b) => a + b, 0) : undefined,
    watchedUsd: live.reduce((a, l) => a + l.watchedSpendUsd, 0),
    watchedWarmSeconds: live.reduce((a, l) => a + l.watchedWarmSeconds, 0),
    actual: [...actual],
  };
}
