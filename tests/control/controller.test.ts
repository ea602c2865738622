/**
 * The controller (`qcm-control`) and the GPU shims' ledger hook, run with the real modal SDK
 * importing both rendered shims and an in-process fake of the few modal APIs they call (a Dict,
 * the autoscaler, app stop, the alert webhook), with time moved forward by hand
 * (tests/control/controller_scenarios.py). No local process of the user's exists in these runs:
 * what ends a warm period is the controller's scheduled function alone.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { resolveConfig } from "../../infra/config/resolve";
import { controlConfig, CONTROL_DICT, renderControlShim } from "../../infra/render/control-shim";
import { renderShim } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { PYTHON } from "../support/python";
import { ledgerEntries, ledgerSpend, monthStartSeconds, type LedgerEntry } from "../../infra/cost/ledger";

const SCENARIOS = join(__dirname, "controller_scenarios.py");

type Calls = (string | number)[][];
interface BudgetRun { usd: number; spent: number; alerts: number[]; alertTexts: string[]; action: string | null; calls: Calls }
interface BudgetScenario { runs: BudgetRun[]; stopped: string[]; mins: Record<string, number>; stoppedRecords: Record<string, { reason: string; month: string }>; budgetState: { fired: number[]; action: string }; warmLeft: string[] }

let out: {
  warm: { runs: { minutes: number; cooled: string[]; calls: Calls; min: number }[]; warmKeyLeft: boolean };
  gone: { cooled: string[]; left: string[]; logs: string[] };
  killed: { start: { start: number; end: null }; entry: { start: number; heartbeat: number; end: null }; chargedSeconds: number; spendUsd: number; ended: { start: number; end: number }; endedSeconds: number };
  budget_warn: BudgetScenario;
  budget_cool: BudgetScenario;
  budget_stop: BudgetScenario;
  raised: { first: string; second: string | null; secondAlerts: number[]; stoppedAgain: number };
  pricing: { now: number; entries: Record<string, LedgerEntry>; spend: Record<string, number> };
  idempotent: { first: { cooled: string[]; action: string; alerts: number[]; calls: number }; second: { cooled: string[]; action: null; alerts: number[] }; callsInSecond: Calls; storeUnchanged: boolean };
};

beforeAll(async () => {
  const config = resolveConfig({});
  const control = controlConfig(config)!;
  const dir = await mkdtemp(join(tmpdir(), "qcm-control-"));
  const [controlPath, coderPath] = await writeShims(dir, [renderControlShim(control), renderShim("coder", config.deployments.coder, { ledgerDict: CONTROL_DICT })]);
  const { stdout } = await execa(PYTHON, [SCENARIOS, controlPath, coderPath], { env: { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "", PYTHONDONTWRITEBYTECODE: "1" } });
  out = JSON.parse(stdout);
}, 120_000);

describe("controller on Modal: warm periods end with the user's machine off", () => {
  it("ends a 3 h warm period at the first run after its end, with no local timer, and not before", () => {
    const byMinute = Object.fromEntries(out.warm.runs.map((r) => [r.minutes, r]));
    for (const m of [0, 60, 178]) {
      expect(byMinute[m].cooled).toEqual([]);
      expect(byMinute[m].calls).toEqual([]);
      expect(byMinute[m].min).toBe(1);
    }
    expect(byMinute[180].cooled).toEqual(["qcm-coder"]);
    expect(byMinute[180].calls).toEqual([["autoscaler", "qcm-coder/serve", 0], ["pop", "warm:qcm-coder"]]);
    expect(byMinute[180].min).toBe(0);
    // Later runs find nothing to do.
    expect(byMinute[182].calls).toEqual([]);
    expect(byMinute[184].calls).toEqual([]);
    expect(out.warm.warmKeyLeft).toBe(false);
  });

  it("drops the period of an app that is gone (logged) and still ends the others", () => {
    expect(out.gone.cooled).toEqual(["qcm-coder", "qcm-gone"]);
    expect(out.gone.left).toEqual([]);
    expect(out.gone.logs.join("\n")).toContain("Function 'qcm-gone/serve' not found");
  });
});

describe("GPU-seconds ledger", () => {
  it("charges a container killed without its exit hook up to its last heartbeat, not up to now", () => {
    const k = out.killed;
    expect(k.start.end).toBeNull();
    expect(k.entry.end).toBeNull();
    expect(k.entry.heartbeat - k.entry.start).toBe(1800);
    expect(k.chargedSeconds).toBe(1800);
    expect(k.spendUsd).toBeCloseTo(1.8, 9);
    // One that ran its exit hook is charged from start to end.
    expect(k.ended.end - k.ended.start).toBe(600);
    expect(k.endedSeconds).toBe(600);
  });
});

describe("budget actions: each crossing acts once", () => {
  const actionCalls = (s: BudgetScenario) => s.runs.map((r) => r.calls.filter((c) => c[0] !== "put"));

  it("alerts at 50, 80 and 100 % once each, whatever the action", () => {
    for (const s of [out.budget_warn, out.budget_cool, out.budget_stop]) {
      expect(s.runs.map((r) => r.alerts)).toEqual([[], [50], [], [80], [100], [], []]);
      expect(s.runs[4].alertTexts[0]).toMatch(/^qwen-code-modal budget: \$10\.50 of \$10\.00 this month \(105%, crossed 100%\)$/);
      expect(s.budgetState.fired).toEqual([50, 80, 100]);
    }
  });

  it("warn: changes nothing on Modal", () => {
    const s = out.budget_warn;
    expect(s.runs[4].action).toBe("warn");
    expect(actionCalls(s).flat()).toEqual([]);
    expect(s.mins).toEqual({ "qcm-coder/serve": 1, "qcm-vlm/serve": 1 });
    expect(s.warmLeft).toEqual(["warm:qcm-vlm"]);
    expect(s.stopped).toEqual([]);
  });

  it("cool: ends warm periods and sets every GPU function's min_containers to 0, once", () => {
    const s = out.budget_cool;
    expect(s.runs.map((r) => r.action)).toEqual([null, null, null, null, "cool", null, null]);
    expect(actionCalls(s)[4]).toEqual([["pop", "warm:qcm-vlm"], ["autoscaler", "qcm-coder/serve", 0], ["autoscaler", "qcm-vlm/serve", 0]]);
    expect(actionCalls(s).filter((c, i) => i !== 4).flat()).toEqual([]);
    expect(s.mins).toEqual({ "qcm-coder/serve": 0, "qcm-vlm/serve": 0 });
    expect(s.warmLeft).toEqual([]);
    expect(s.stopped).toEqual([]);
  });

  it("stop: cools, then stops each GPU app and records why, once", () => {
    const s = out.budget_stop;
    expect(s.runs.map((r) => r.action)).toEqual([null, null, null, null, "stop", null, null]);
    expect(actionCalls(s)[4]).toEqual([
      ["pop", "warm:qcm-vlm"], ["autoscaler", "qcm-coder/serve", 0], ["autoscaler", "qcm-vlm/serve", 0], ["stop", "qcm-coder"], ["stop", "qcm-vlm"],
    ]);
    expect(s.stopped).toEqual(["qcm-coder", "qcm-vlm"]);
    expect(Object.keys(s.stoppedRecords).sort()).toEqual(["stopped:qcm-coder", "stopped:qcm-vlm"]);
    expect(s.stoppedRecords["stopped:qcm-coder"]).toMatchObject({ reason: "budget", month: "2026-12" });
    expect(actionCalls(s).filter((c, i) => i !== 4).flat()).toEqual([]);
  });
});

describe("controller runs are idempotent", () => {
  it("a second run at the same time calls nothing and writes nothing", () => {
    const i = out.idempotent;
    expect(i.first.cooled).toEqual(["qcm-coder"]);
    expect(i.first.action).toBe("stop");
    expect(i.first.calls).toBeGreaterThan(0);
    expect(i.second).toEqual({ cooled: [], action: null, alerts: [] });
    expect(i.callsInSecond).toEqual([]);
    expect(i.storeUnchanged).toBe(true);
  });
});

describe("a raised budget starts afresh", () => {
  it("after a stop at $10, raising the budget to $20 stops nothing at $12 (60 %: the 50 % alert of the new budget only)", () => {
    expect(out.raised).toEqual({ first: "stop", second: null, secondAlerts: [50], stoppedAgain: 0 });
  });
});

describe("the CLI prices the ledger as the controller does", () => {
  it("same entries, same month-to-date USD per app (ended, killed at its heartbeat, across the month start; other apps left out)", () => {
    const { now, entries, spend } = out.pricing;
    const rates = controlConfig(resolveConfig({}))!.apps;
    const usdPerSecond = Object.fromEntries(rates.map((a) => [a.app, a.usdPerSecond]));
    const at = new Date(now * 1000);
    const ts = ledgerSpend(ledgerEntries(Object.entries(entries).map(([key, value]) => ({ key, value }))), usdPerSecond, monthStartSeconds(at), now);
    expect(ts.map((l) => l.app)).toEqual(["qcm-coder", "qcm-vlm"]);
    for (const line of ts) expect(line.usd).toBeCloseTo(spend[line.app], 9);
    // 2 h ended + 0.5 h to the killed one's heartbeat; 1 h of this month + 0.9 h up.
    expect(ts[0].containerSeconds).toBe(2.5 * 3600);
    expect(ts[1].containerSeconds).toBeCloseTo(1.9 * 3600, 6);
    expect(spend.None).toBe(0);
  });
});

describe("one Dict name on both sides", () => {
  it("the provider's literal (serialized into state) is the controller's Dict", async () => {
    const { CONTROL_DICT_NAME } = await import("../../infra/provider/modal-app");
    expect(CONTROL_DICT_NAME).toBe(CONTROL_DICT);
  });
});
