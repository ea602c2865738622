/**
 * The commands' side of the controller (qcm-control), against the modal CLI stand-in (whose state
 * plays Modal's named Dict, read with `modal dict items NAME --json` and written by the project's
 * Python through infra/provider/modal_dict.py): `spend` and `status` price the GPU-seconds ledger
 * with no billing access, `warm` writes the period the controller ends, `status` names apps the
 * budget stopped. The period `warm` wrote is then handed to the rendered controller shim (real
 * modal SDK import, fake Modal calls) to show the controller reads what `warm` writes.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EndpointConfig } from "@qwen-code-modal/contract";
import { projectRoot } from "../../infra/core/paths";
import { resolveConfig } from "../../infra/config/resolve";
import { controlConfig, controlFacts, renderControlShim } from "../../infra/render/control-shim";
import { writeShims } from "../../infra/render/write";
import { writeOfflineEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { PYTHON } from "../support/python";

const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");
const facts = controlFacts(controlConfig(resolveConfig({}))!);
const H200 = facts.usdPerSecond["qcm-coder"];
const A100 = facts.usdPerSecond["qcm-vlm"];

describe("controller: ledger spend, warm periods on Modal, budget stops (modal CLI stand-in)", () => {
  let dir: string;
  let modal: ModalCliStandIn;
  let configPath: string;
  let envFile: string;
  const env = () => ({ PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path, QCM_PYTHON: modal.python });
  const run = (...args: string[]) => execa(process.execPath, [CLI, ...args, "--config", configPath, "--env-file", envFile], { env: env(), extendEnv: false, reject: false });
  const spend = (...args: string[]) => execa(process.execPath, [CLI, "spend", "--env-file", envFile, ...args], { env: env(), extendEnv: false, reject: false });
  const now = () => Date.now() / 1000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-control-ops-"));
    configPath = join(dir, "endpoints.json");
    const config: EndpointConfig = await writeOfflineEndpointConfig(configPath);
    // What `pulumi up` writes for a stack with the controller and a budget (infra/program/stack.ts).
    await writeFile(configPath, JSON.stringify({ ...config, budget: { usdPerMonth: 50 }, control: facts }, null, 2));
    envFile = join(dir, ".env");
    await writeFile(envFile, "MODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\nMODAL_PROXY_TOKEN_ID=wk-x\nMODAL_PROXY_TOKEN_SECRET=ws-x\n");
    modal = await writeModalCliStandIn(dir, []);
  });
  beforeEach(async () => {
    await modal.setApps([{ name: "qcm-coder", tasks: 0 }, { name: "qcm-vlm", tasks: 0 }]);
    await modal.setBilling({ denied: true, rows: [] });
    const t = now();
    // A coder container that ran 2 h and exited; one killed 1 h after it started (last heartbeat);
    // a vlm container up now (heartbeat 30 s ago); one from last month (not this month's spend).
    await modal.setDict("qcm-control", {
      "ledger:qcm-coder:a": { app: "qcm-coder", task: "a", start: t - 4 * 3600, heartbeat: t - 2 * 3600, end: t - 2 * 3600 },
      "ledger:qcm-coder:b": { app: "qcm-coder", task: "b", start: t - 1800 - 3600, heartbeat: t - 1800, end: null },
      "ledger:qcm-vlm:c": { app: "qcm-vlm", task: "c", start: t - 600, heartbeat: t - 30, end: null },
      "ledger:qcm-vlm:old": { app: "qcm-vlm", task: "old", start: t - 40 * 86400 - 3600, heartbeat: t - 40 * 86400, end: t - 40 * 86400 },
      "warm:qcm-vlm": { app: "qcm-vlm", function: "qcm-vlm/serve", min_containers: 1, until: t + 3600, id: "x" },
    });
  });

  /** Seconds of this month in [from, to] (the test may run on the 1st of a month). */
  const monthPart = (from: number, to: number) => {
    const d = new Date();
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
    return Math.max(0, to - Math.max(from, start));
  };

  it("spend prints the ledger's spend per deployment with no billing access, and the budget from it", async () => {
    const t = now();
    const result = await spend("--json");
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    const coder = report.lines.find((l: { deployment: string }) => l.deployment === "coder");
    const vlm = report.lines.find((l: { deployment: string }) => l.deployment === "vlm");
    // 2 h ended + 1 h to the last heartbeat (the killed container is not charged to now).
    expect(coder.ledgerUsd).toBeCloseTo(H200 * (monthPart(t - 4 * 3600, t - 2 * 3600) + monthPart(t - 5400, t - 1800)), 2);
    expect(vlm.ledgerUsd).toBeCloseTo(A100 * monthPart(t - 600, t - 30), 2);
    expect(coder.actualUsd).toBeNull();
    expect(report.billingUnavailable).toMatch(/^Modal does not expose billing reports/);
    expect(report.otherAppsUsd).toBeNull();
    const calls = (await modal.calls()).map((c) => c.argv.join(" "));
    expect(calls).toContain("dict items qcm-control --json");

    const stackConfig = join(dir, "stack.json");
    await writeFile(stackConfig, JSON.stringify({ settings: { budget: { usdPerMonth: 50, action: "cool" } } }));
    const withBudget = JSON.parse((await spend("--stack-config", stackConfig, "--json")).stdout);
    expect(withBudget.budget.source).toBe("ledger");
    expect(withBudget.budget.usdPerMonth).toBe(50);
    expect(withBudget.budget.usedUsd).toBeCloseTo(coder.ledgerUsd + vlm.ledgerUsd, 2);

    const text = await spend("--stack-config", stackConfig);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/budget: \$\d+\.\d\d of \$50\.00 this month \(\d+\.\d%\), GPU-seconds ledger/);
    expect(text.stdout).toMatch(/\ncoder\s+qcm-coder\s+\$\d+\.\d\d\s+-\s+\$\d+\.\d\d\s+\d+\.\d/);
    expect(text.stdout).toContain("billed: unavailable (Modal does not expose billing reports");
    expect(text.stdout).toContain("ledger: GPU seconds the containers recorded");
  });

  it("spend shows the billing report beside the ledger where the workspace has one", async () => {
    const month = new Date().toISOString().slice(0, 8) + "01";
    await modal.setBilling({ rows: [{ object_id: "ap-c", description: "qcm-coder", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "9.00" }] });
    const report = JSON.parse((await spend("--json")).stdout);
    const coder = report.lines.find((l: { deployment: string }) => l.deployment === "coder");
    expect(coder.actualUsd).toBe(9);
    expect(coder.ledgerUsd).toBeGreaterThan(0);
    expect(report.billingUnavailable).toBeUndefined();
  });

  it("status shows \"$X of $Y\" from the ledger, with no billing access, and the apps the budget stopped", async () => {
    const t = now();
    const result = await run("status");
    const expected = H200 * (monthPart(t - 4 * 3600, t - 2 * 3600) + monthPart(t - 5400, t - 1800)) + A100 * monthPart(t - 600, t - 30);
    const line = result.stdout.split("\n").find((l) => l.startsWith("budget: "));
    expect(line, result.stdout + result.stderr).toMatch(/^budget: \$\d+\.\d\d of \$50\.00 this month \(\d+\.\d%\), GPU-seconds ledger$/);
    expect(Number(/\$(\d+\.\d\d) of/.exec(line!)![1])).toBeCloseTo(expected, 1);
    expect(result.stdout).not.toContain("billed this month");

    await modal.setDict("qcm-control", {
      ...(await modal.dict("qcm-control")),
      "stopped:qcm-coder": { app: "qcm-coder", reason: "budget", month: new Date().toISOString().slice(0, 7), at: t - 60, spent_usd: 50.5, budget_usd: 50 },
    });
    const after = await run("status");
    expect(after.stdout).toMatch(/qcm-coder: stopped by the budget at \S+ \S+ UTC \(\$50\.50 of \$50\.00\); raise qwen-code-modal:budget\.usdPerMonth, then `pulumi up --refresh` redeploys it/);
  });

  it("warm writes the period into the controller's Dict, which the controller ends at expiry; cool removes it", async () => {
    const before = now();
    const result = await run("warm", "coder", "--for", "1h", "--no-timer");
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ends: on Modal, qcm-control sets min_containers back to 0 at its first run after \S+ UTC \(every 2 min\), whether or not this machine is on/);
    const dict = (await modal.dict("qcm-control"))!;
    const period = dict["warm:qcm-coder"] as { function: string; min_containers: number; until: number };
    expect(period).toMatchObject({ app: "qcm-coder", function: "qcm-coder/serve", min_containers: 1 });
    expect(period.until).toBeGreaterThanOrEqual(before + 3600 - 1);
    expect(period.until).toBeLessThanOrEqual(now() + 3600 + 1);
    // The Dict write went through the project's Python (the SDK writer), the read through the CLI.
    const calls = (await modal.calls()).map((c) => c.argv);
    expect(calls.some((a) => a[0].endsWith("infra/provider/modal_dict.py"))).toBe(true);
    // No env var of the user's reached it but Modal's own and the basics (child environment).
    const write = (await modal.state()).calls.find((c) => c.argv[0].endsWith("modal_dict.py"))!;
    expect(write.envNames.filter((n) => n.startsWith("MODAL_PROXY"))).toEqual([]);

    // What `warm` wrote, as the controller on Modal reads it: with the machine off (no timer was
    // started), its run after the end sets min_containers to 0 and forgets the period.
    const shimDir = await mkdtemp(join(tmpdir(), "qcm-control-shim-"));
    const [shim] = await writeShims(shimDir, [renderControlShim(controlConfig(resolveConfig({}))!)]);
    const tick = async (at: number) =>
      JSON.parse((await execa(PYTHON, [join(projectRoot(), "tests", "control", "controller_scenarios.py"), shim, "--tick", String(at)], { input: JSON.stringify(dict), env: { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" } })).stdout);
    const early = await tick(period.until - 60);
    expect(early.calls).toEqual([]);
    const late = await tick(period.until + 60);
    expect(late.calls).toEqual(expect.arrayContaining([["autoscaler", "qcm-coder/serve", 0], ["pop", "warm:qcm-coder"]]));
    expect(late.store["warm:qcm-coder"]).toBeUndefined();

    await modal.setApps([{ name: "qcm-coder", tasks: 1, minContainers: 1 }, { name: "qcm-vlm", tasks: 0 }]);
    const cooled = await run("cool", "coder");
    expect(cooled.exitCode, cooled.stderr).toBe(0);
    expect((await modal.dict("qcm-control"))!["warm:qcm-coder"]).toBeUndefined();
    expect(JSON.parse(await readFile(configPath, "utf8")).control.dict).toBe("qcm-control");
  });
});
