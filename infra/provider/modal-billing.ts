/**
 * What Modal billed, through `modal billing report --json`.
 *
 * Source: modal 1.6.4 modal/cli/billing.py:178-299 (`report`): the range is `--for RANGE` (today,
 * yesterday, this week, last week, this month, last month; UTC, time_utils.py:167) or
 * `--start DATE [--end DATE]` (start inclusive, end exclusive, full intervals only), `-r d|h`, and
 * `--json`. It calls `Workspace.billing.report` (modal/_workspace.py:378), one row per Modal object
 * (an app) and interval, written by cli/utils.py `display_table` with keys `object_id`,
 * `description` (the app name), `environment`, `interval_start` (ISO 8601, UTC, no zone) and `cost`
 * (a decimal string, USD, before credits).
 *
 * A workspace whose plan does not expose billing reports (they are a Team/Enterprise feature,
 * modal.com/docs/guide/billing, "Generating billing reports") gets the server's PERMISSION_DENIED,
 * raised as `PermissionDeniedError` (modal/exception.py:24) and printed as `Error: <server text>`;
 * the server's wording is not in the SDK, so it is recognised here by its usual words.
 * @module
 */
import { z } from "zod";
import { modalFailure, runModal, type ModalCliContext } from "./modal-cli";

/** One billed row: an app's cost in one interval. */
export interface BillingRow {
  objectId: string;
  /** The app name (Modal's description of the object). */
  description: string;
  environment: string;
  /** Interval start, ISO 8601 UTC. */
  intervalStart: string;
  /** USD. */
  cost: number;
}

/** The period of a report: a named range, or dates (YYYY-MM-DD, UTC; end exclusive). */
export type BillingPeriod = { for: string } | { start: string; end?: string };

/** The workspace's plan does not let this token read billing reports. */
export class BillingNotExposedError extends Error {
  override name = "BillingNotExposedError";
}

const DENIED = /permission|not available|not enabled|upgrade|plan|forbidden|denied/i;

/**
 * `modal billing report --json` for a period, daily rows.
 * @throws BillingNotExposedError when Modal refuses billing reports to this workspace or token.
 * @throws ModalCliError for any other failure, or output that is not the expected JSON.
 */
export async function modalBillingReport(ctx: ModalCliContext, period: BillingPeriod, timeoutSeconds = 120): Promise<BillingRow[]> {
  const range = "for" in period ? ["--for", period.for] : ["--start", period.start, ...(period.end ? ["--end", period.end] : [])];
  const argv = ["billing", "report", ...range, "--json"];
  // Workspace-wide: `modal billing report` has no -e option; rows carry their environment.
  const workspace: ModalCliContext = { ...ctx, environment: undefined, onLine: undefined };
  const run = await runModal(workspace, argv, timeoutSeconds);
  if (run.exitCode !== 0) {
    const last = run.stderr.trim().split("\n").at(-1) ?? "";
    if (/^Error:/.test(last) && DENIED.test(last)) throw new BillingNotExposedError(last.replace(/^Error:\s*/, ""));
    modalFailure(run);
  }
  const row = z.object({
    object_id: z.string(),
    description: z.string(),
    environment: z.string(),
    interval_start: z.string(),
    cost: z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/),
  });
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    modalFailure(run, "stdout is not JSON");
  }
  const parsed = z.array(row).safeParse(json);
  if (!parsed.success) modalFailure(run, "stdout is not a billing report");
  return parsed.data.map((r) => ({
    objectId: r.object_id,
    description: r.description,
    environment: r.environment,
    intervalStart: r.interval_start,
    cost: Number(r.cost),
  }));
}
