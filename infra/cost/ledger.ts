/**
 * Prices the controller's GPU-seconds ledger (what each GPU container recorded in the controller's
 * `modal.Dict`, infra/render/ledger_runtime.py) at the plan's rates, month to date. The controller
 * on Modal prices it the same way (control_runtime.py `ledger_seconds` / `ledger_spend`;
 * tests/control compares the two).
 * @module
 */
import { z } from "zod";

/** One container's record. Times are epoch seconds (UTC). */
export interface LedgerEntry {
  app: string;
  task: string;
  start: number;
  /** Last heartbeat: how far a container that never wrote its end is charged. */
  heartbeat: number;
  /** When it exited through its exit hook; null while up or when killed. */
  end: number | null;
}

/** The ledger key prefix in the controller's Dict. */
export const LEDGER_PREFIX = "ledger:";

const entrySchema = z.object({
  app: z.string(),
  task: z.string(),
  start: z.number(),
  heartbeat: z.number(),
  end: z.number().nullable(),
});

/** The ledger entries among a Dict's items (other keys, and entries of another shape, are skipped). */
export function ledgerEntries(items: readonly { key: string; value: unknown }[]): LedgerEntry[] {
  return items.flatMap((i) => {
    if (!i.key.startsWith(LEDGER_PREFIX)) return [];
    const parsed = entrySchema.safeParse(i.value);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Epoch seconds of the start of `now`'s UTC month. */
export function monthStartSeconds(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
}

/**
 * Seconds of one entry inside [since, now]: start to end, or to the last heartbeat when no end was
 * written (a killed container is charged until it last beat).
 */
export function ledgerSeconds(e: LedgerEntry, since: number, now: number): number {
  const stop = e.end ?? e.heartbeat;
  return Math.max(0, Math.min(stop, now) - Math.max(e.start, since));
}

/** Month-to-date ledger figures of one app. Units: seconds, USD. */
export interface LedgerAppSpend {
  app: string;
  containerSeconds: number;
  usd: number;
  /** Containers with a record this month. */
  containers: number;
}

/**
 * Spend per app over [since, until] (epoch seconds), at `usdPerSecond` per running container (rate x GPUs).
 * @param rates - app name → USD/second; apps missing here are left out.
 */
export function ledgerSpend(entries: readonly LedgerEntry[], rates: Readonly<Record<string, number>>, since: number, until: number): LedgerAppSpend[] {
  const by = new Map(Object.keys(rates).map((app) => [app, { app, containerSeconds: 0, usd: 0, containers: 0 }]));
  for (const e of entries) {
    const line = by.get(e.app);
    const seconds = ledgerSeconds(e, since, until);
    if (!line || seconds <= 0) continue;
    line.containerSeconds += seconds;
    line.usd += seconds * rates[e.app];
    line.containers += 1;
  }
  return [...by.values()];
}
