import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { estimateCost } from "../../infra/cost";
import { DEFAULT_USAGE_PROFILE, usageCost, workingDaysIn } from "../../infra/cost/usage";
import { namedPeriod, datePeriod } from "../../infra/ops/spend";
import { parseDuration } from "../../infra/ops/warm";
import { writeOfflineEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";

const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");
const today = () => new Date().toISOString().slice(0, 10);

/** One clear line on stderr, nothing on stdout, a non-zero exit. */
function expectOneLineError(result: { exitCode?: number; stdout: string; stderr: string }, pattern: RegExp) {
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr.trim()).toMatch(pattern);
}

describe("day-2 commands: history, spend, warm, cool (modal CLI stand-in)", () => {
  let dir: string;
  let modal: ModalCliStandIn;
  let configPath: string;
  let envFile: string;
  const run = (...args: string[]) =>
    execa(process.execPath, [CLI, ...args, "--config", configPath, "--env-file", envFile], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });
  // spend reads the stack config, not the endpoint config.
  const spend = (...args: string[]) =>
    execa(process.execPath, [CLI, "spend", "--env-file", envFile, ...args], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });
  const overrides = async (app: string) => (await modal.state()).apps.find((a) => a.name === app && a.state === "deployed")?.functions?.serve.overrides ?? {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-day2-"));
    configPath = join(dir, "endpoints.json");
    await writeOfflineEndpointConfig(configPath);
    envFile = join(dir, ".env");
    await writeFile(envFile, "MODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\nMODAL_PROXY_TOKEN_ID=wk-x\nMODAL_PROXY_TOKEN_SECRET=ws-x\n");
    modal = await writeModalCliStandIn(dir, []);
  });
  beforeEach(async () => {
    await modal.setApps([
      { name: "qcm-coder", tasks: 0, tags: ["qcm-1a2b3c", "qcm-4d5e6f"] },
      { name: "qcm-vlm", tasks: 0 },
    ]);
  });

  describe("history", () => {
    it("lists the deployments Modal recorded for each app, newest first, with their tags", async () => {
      const result = await run("history");
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^coder \(app qcm-coder\)\n\s+version\s+deployed at\s+tag/);
      expect(result.stdout).toMatch(/v2\s+\S+ \S+\s+qcm-4d5e6f[\s\S]*v1\s+\S+ \S+\s+qcm-1a2b3c/);
      expect(result.stdout).toMatch(/vlm \(app qcm-vlm\)\n.*\n\s+v1\s+\S+ \S+\s+-/);
      const json = JSON.parse((await run("history", "coder", "--json")).stdout);
      expect(json).toEqual([{ deployment: "coder", app: "qcm-coder", deployments: [
        expect.objectContaining({ version: 2, tag: "qcm-4d5e6f", client: "1.6.4" }),
        expect.objectContaining({ version: 1, tag: "qcm-1a2b3c" }),
      ] }]);
      expect((await modal.calls()).at(-1)?.argv).toEqual(["app", "history", "qcm-coder", "--json"]);
    });

    it("an app Modal does not know, or an unknown deployment: one line, non-zero exit", async () => {
      await modal.setApps([{ name: "qcm-vlm", tasks: 0 }]);
      expectOneLineError(await run("history", "coder"), /^error: history: coder \(app qcm-coder\): Error: No App with name 'qcm-coder' found in the 'main' environment\.$/);
      expectOneLineError(await run("history", "nope"), /^error: history: no deployment "nope" in the endpoint config \(it has: coder, vlm\)$/);
    });
  });

  describe("spend", () => {
    const month = today().slice(0, 8) + "01";
    const rows = [
      { object_id: "ap-c", description: "qcm-coder", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "12.50" },
      { object_id: "ap-c", description: "qcm-coder", environment_name: "main", interval_start: `${today()}T00:00:00`, cost: "2.25" },
      { object_id: "ap-v", description: "qcm-vlm", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "3.00" },
      { object_id: "ap-o", description: "someone-else", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "40.00" },
      { object_id: "ap-s", description: "qcm-coder", environment_name: "staging", interval_start: `${month}T00:00:00`, cost: "99.00" },
    ];

    it("without the controller (control: false): what Modal billed each deployment this month next to plan's estimate, and the budget used", async () => {
      await modal.setBilling({ rows });
      const stackConfig = join(dir, "stack.json");
      await writeFile(stackConfig, JSON.stringify({ settings: { environment: "main", control: false, budget: { usdPerMonth: 200, warmHoursPerDay: 2, coldStartsPerDay: 3 } } }));
      const result = await spend("--stack-config", stackConfig, "--json");
      expect(result.exitCode, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      const period = namedPeriod("this month");
      const days = (period.end.getTime() - period.start.getTime()) / 86_400_000;
      const profile = { warmHoursPerDay: 2, coldStartsPerDay: 3, daysPerMonth: 22 };
      const coder = report.lines.find((l: { deployment: string }) => l.deployment === "coder");
      expect(coder.actualUsd).toBeCloseTo(14.75, 9);
      const plan = JSON.parse((await execa(process.execPath, [CLI, "plan", "--json", "--stack-config", stackConfig])).stdout).deployments[0];
      expect(coder.estimateUsd).toBeCloseTo(usageCost(plan.cost, profile, workingDaysIn(days, profile)), 6);
      expect(coder.warmHoursEquivalent).toBeCloseTo(14.75 / estimateCost({ gpu: "H200", gpuCount: 1, startupSeconds: 0, scaledownWindowSeconds: 0 }).usdPerWarmHour, 6);
      expect(report.lines.find((l: { deployment: string }) => l.deployment === "vlm").actualUsd).toBe(3);
      expect(report.otherAppsUsd).toBeCloseTo(139, 9);
      expect(report.budget).toEqual({ usdPerMonth: 200, usedUsd: 17.75, fraction: 17.75 / 200, source: "billing" });
      expect(coder.ledgerUsd).toBeUndefined();
      const call = (await modal.calls()).at(-1)!;
      expect(call.argv).toEqual(["billing", "report", "--start", period.start.toISOString().slice(0, 10), "--end", period.end.toISOString().slice(0, 10), "--json"]);

      const text = await spend("--stack-config", stackConfig);
      expect(text.stdout).toMatch(/\ncoder\s+qcm-coder\s+\$14\.75\s+\$\d+\.\d\d\s+\d+\.\d/);
      expect(text.stdout).toContain("budget: $17.75 of $200.00 this month (8.9%)");
      expect(text.stdout).toContain("2 h warm + 3 cold starts a day, 22 days a month (qwen-code-modal:budget)");
    });

    it("a period by dates, with the default usage profile when the stack sets no budget", async () => {
      await modal.setBilling({ rows: [...rows, { ...rows[0], interval_start: "2026-11-14T00:00:00", cost: "7.00" }, { ...rows[0], interval_start: "2026-11-15T00:00:00", cost: "1.00" }] });
      const result = await spend("--start", "2026-11-01", "--end", "2026-11-15", "--json");
      expect(result.exitCode, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.profileSource).toBe("default");
      expect(report.profile).toEqual(DEFAULT_USAGE_PROFILE);
      expect(report.budget).toBeUndefined();
      expect(report.lines[0]).toMatchObject({ deployment: "coder", actualUsd: 7 });
      const plan = JSON.parse((await execa(process.execPath, [CLI, "plan", "--json"])).stdout).deployments[0];
      expect(report.lines[0].estimateUsd).toBeCloseTo(usageCost(plan.cost, DEFAULT_USAGE_PROFILE, workingDaysIn(14, DEFAULT_USAGE_PROFILE)), 6);
      expect((await modal.calls()).at(-1)!.argv).toEqual(["billing", "report", "--start", "2026-11-01", "--end", "2026-11-15", "--json"]);
    });

    it("a workspace without billing reports and a stack without the controller (control: false), or bad periods: one clear line, non-zero exit", async () => {
      await modal.setBilling({ denied: true, rows: [] });
      const noControl = join(dir, "stack-no-control.json");
      await writeFile(noControl, JSON.stringify({ settings: { control: false } }));
      expectOneLineError(await spend("--stack-config", noControl), /^error: Modal does not expose billing reports to this workspace or token \(Billing reports are not available.*\); they need a Team or Enterprise plan/);
      expectOneLineError(await spend("--for", "fortnight"), /^error: --for: got "fortnight"; use one of "today", "yesterday"/);
      expectOneLineError(await spend("--for", "today", "--start", "2026-01-01"), /^error: spend: --for cannot be combined with --start\/--end/);
      expectOneLineError(await spend("--start", "2026-02-30x"), /^error: --start: got "2026-02-30x"; use a date like 2026-12-01/);
    });
  });

  describe("warm and cool", () => {
    it("warm raises min_containers, shows the cost and the end; status shows it warm; cool ends it", async () => {
      const result = await run("warm", "coder", "--for", "3h", "--no-timer");
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^coder \(app qcm-coder, qcm-coder\/serve\) is warm: 1 container kept up until \d\d:\d\d UTC\./);
      const perHour = estimateCost({ gpu: "H200", gpuCount: 1, startupSeconds: 0, scaledownWindowSeconds: 0 }).usdPerWarmHour;
      expect(result.stdout).toContain(`$${perHour.toFixed(2)}/hour on H200 → $${(perHour * 3).toFixed(2)} for 3.0 h`);
      expect(result.stdout).toContain("a redeploy (`pulumi up` that changes the app) resets it");
      expect((await overrides("qcm-coder")).min_containers?.value).toBe(1);
      expect((await modal.calls()).map((c) => c.argv.join(" "))).toContain("function autoscaler update qcm-coder/serve --min-containers 1");
      const record = JSON.parse(await readFile(join(dir, "warm.json"), "utf8")).warm["qcm-coder"];
      expect(record).toMatchObject({ deployment: "coder", functionRef: "qcm-coder/serve", minContainers: 1 });
      expect(new Date(record.until).getTime() - new Date(record.startedAt).getTime()).toBe(3 * 3600 * 1000);

      const status = await run("status");
      expect(status.stdout).toMatch(/\ncoder\s+qcm-coder\s+.*warm until \d\d:\d\d UTC\n/);
      expect(status.stdout).toMatch(/\nvlm\s+qcm-vlm\s+.*cold\n/);

      const cooled = await run("cool");
      expect(cooled.exitCode, cooled.stderr).toBe(0);
      expect(cooled.stdout).toContain("coder (app qcm-coder) cooled: min_containers 0");
      expect(cooled.stdout).toContain("vlm (app qcm-vlm) is not warm");
      expect((await overrides("qcm-coder")).min_containers?.value).toBe(0);
      expect(existsSync(join(dir, "warm.json"))).toBe(false);
    });

    it("the background timer ends a warm period by itself", async () => {
      const result = await run("warm", "vlm", "--for", "2s");
      expect(result.exitCode, result.stderr).toBe(0);
      expect((await overrides("qcm-vlm")).min_containers?.value).toBe(1);
      const deadline = Date.now() + 30_000;
      const ended = async () => (await overrides("qcm-vlm")).min_containers?.value === 0 && !existsSync(join(dir, "warm.json"));
      while (Date.now() < deadline && !(await ended())) await new Promise((r) => setTimeout(r, 250));
      expect((await overrides("qcm-vlm")).min_containers?.value).toBe(0);
      expect(existsSync(join(dir, "warm.json"))).toBe(false);
    });

    it("a period that is over is ended by the next status when no timer ran (machine was off)", async () => {
      expect((await run("warm", "coder", "--for", "1s", "--no-timer")).exitCode).toBe(0);
      await new Promise((r) => setTimeout(r, 1200));
      const status = await run("status");
      expect(status.stdout).toMatch(/\ncoder\s+qcm-coder\s+.*cold\n/);
      expect((await overrides("qcm-coder")).min_containers?.value).toBe(0);
    });

    it("a redeploy resets it: status says cold, as Modal does", async () => {
      expect((await run("warm", "coder", "--no-timer")).exitCode).toBe(0);
      await modal.setApps([{ name: "qcm-coder", tasks: 0 }, { name: "qcm-vlm", tasks: 0 }]);
      expect((await run("status")).stdout).toMatch(/\ncoder\s+qcm-coder\s+.*cold\n/);
    });

    it("warm on a stopped app, a bad duration or an unknown deployment: one line, non-zero exit, nothing changed", async () => {
      await modal.setApps([{ name: "qcm-coder", state: "stopped", tasks: 0 }, { name: "qcm-vlm", tasks: 0 }]);
      const before = (await modal.calls()).length;
      expectOneLineError(await run("warm", "coder"), /^error: warm: coder: app qcm-coder is not deployed \(stopped, or never deployed\); run `pulumi up` first$/);
      expect((await modal.calls()).slice(before).some((c) => c.argv.includes("update"))).toBe(false);
      expectOneLineError(await run("warm", "vlm", "--for", "3 hours"), /^error: --for: got "3 hours"; use a duration like 3h, 90m or 1h30m$/);
      expectOneLineError(await run("warm", "vlm", "--for", "25h"), /^error: --for: got "25h"; at most 24h/);
      expectOneLineError(await run("warm", "gpu-box"), /^error: warm: no deployment "gpu-box" in the endpoint config/);
      expectOneLineError(await run("cool", "coder"), /^error: cool: coder: app qcm-coder is not deployed; nothing to cool$/);
      expect(existsSync(join(dir, "warm.json"))).toBe(false);
    });
  });
});

describe("day-2 periods and durations", () => {
  it("named periods follow modal's parse_date_range (UTC, weeks from Monday)", () => {
    const now = new Date("2026-12-02T15:00:00Z"); // a Wednesday
    const iso = (p: { start: Date; end: Date }) => [p.start.toISOString().slice(0, 10), p.end.toISOString().slice(0, 10)];
    expect(iso(namedPeriod("this month", now))).toEqual(["2026-12-01", "2027-01-01"]);
    expect(iso(namedPeriod("last month", now))).toEqual(["2026-11-01", "2026-12-01"]);
    expect(iso(namedPeriod("This Week", now))).toEqual(["2026-11-30", "2026-12-07"]);
    expect(iso(namedPeriod("yesterday", now))).toEqual(["2026-12-01", "2026-12-02"]);
    expect(iso(datePeriod("2026-11-03", undefined, now))).toEqual(["2026-11-03", "2026-12-03"]);
    expect(() => datePeriod("2026-12-05", "2026-12-01", now)).toThrow(/must be after --start/);
  });

  it("durations", () => {
    expect(parseDuration("3h")).toBe(10_800);
    expect(parseDuration("1h30m")).toBe(5_400);
    expect(parseDuration("45s")).toBe(45);
    expect(() => parseDuration("")).toThrow(/use a duration/);
    expect(() => parseDuration("0m")).toThrow(/use a duration/);
  });
});
