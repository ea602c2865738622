/**
 * Compares the real modal SDK's report of the controller shim with what it was rendered from: one
 * CPU function on a `modal.Period` schedule, one container at a time, the alert Secret when set.
 * @module
 */
import { CONTROL_APP, TICK_FUNCTION, TICK_MINUTES, type ControlConfig } from "../render/control-shim";
import type { ShimReport } from "./modal-check";

/**
 * @returns one line per mismatch; empty when Modal sees exactly what the controller should be.
 */
export function compareControlWithConfig(report: ShimReport, c: ControlConfig): string[] {
  if ("error" in report) return [`modal could not import the controller shim: ${report.error}`];
  const problems: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`controller ${what}: modal sees ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  expect("app name", report.app_name, CONTROL_APP);
  expect("servers", Object.keys(report.servers), [TICK_FUNCTION]);
  const tick = report.servers[TICK_FUNCTION];
  // Only the pinned SDK's internals show these (modal_check.py); without them the checker warned.
  if (tick && "gpus" in tick) {
    expect("kind", tick.kind, "function");
    expect("GPUs", tick.gpus, null);
    expect("web servers", "web_servers" in tick ? tick.web_servers : "(a Modal Server)", {});
    expect("secrets", tick.secrets, c.budget?.alertSecret ? 1 : 0);
  }
  const opts = report.deploy_time[TICK_FUNCTION] ?? {};
  expect("schedule", opts.schedule, { non_literal: `modal.Period(minutes=${TICK_MINUTES})` });
  expect("max_containers", opts.max_containers, 1);
  return problems;
}
