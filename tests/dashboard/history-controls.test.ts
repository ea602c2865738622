// The dashboard's whole picture (issue 25), in real headless Chromium against the real CLI: every
// chart fed by a /metrics page that the real prometheus_client renders with vLLM 0.33.0's names and
// buckets (vllm_metrics_page.py; a stand-in for the numbers), actual spend from the modal CLI
// stand-in's billing report, history in SQLite across a restart, and the controls (warm, cool,
// roll back) reaching the modal CLI stand-in once each, refused cross-origin.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import type { BenchResult } from "../../infra/bench/results";
import { benchResultPath } from "../../infra/bench/results";
import { projectRoot } from "../../infra/core/paths";
import { resolveConfig } from "../../infra/config/resolve";
import { controlConfig, controlFacts } from "../../infra/render/control-shim";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../support/chromium";
import { skipWithoutVllm } from "../support/vllm";
import { dashboardApi, startDashboardWorld, type DashboardWorld } from "./harness";

const REFRESH_SECONDS = 1;
const month = new Date().toISOString().slice(0, 8) + "01";
const BILLING = [
  { object_id: "ap-c", description: "qcm-coder", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "12.50" },
  { object_id: "ap-v", description: "qcm-vlm", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "3.25" },
  { object_id: "ap-o", description: "someone-else", environment_name: "main", interval_start: `${month}T00:00:00`, cost: "40.00" },
];
/** Where the run's screenshot goes: `$QCM_SCREENSHOT_OUT` (scripts/dashboard-screenshot sets docs/dashboard.png), else .artifacts/. */
const SCREENSHOT = process.env.QCM_SCREENSHOT_OUT ?? join(projectRoot(), ".artifacts", "dashboard.png");

/** A saved `bench` result for one config hash (the figures a run records; infra/bench/results.ts). */
function benchResult(configHash: string, at: string, ttftMs: number, hitRate: number): BenchResult {
  const spread = (v: number) => ({ n: 8, p50: v, p90: v * 1.5, mean: v });
  return {
    version: 1,
    at,
    target: { deployment: "coder", url: "https://stand-in-ws--qcm-coder-serve.modal.run", model: "qwen3-coder-next", configHash },
    workload: { sessions: 2, turns: 4, contextTokens: 20_000, turnTokens: 1_000, maxTokens: 256, corpus: "stand-in", firstPromptTokens: 20_500 },
    ttft: { firstTurnMs: spread(ttftMs * 4), laterTurnsMs: spread(ttftMs) },
    prefixCache: { queriedTokens: 100_000, hitTokens: 100_000 * hitRate, hitRate },
    server: null,
    decode: { perStreamTokensPerSecond: spread(60), aggregateTokensPerSecond: 110 },
    toolCalls: { asked: 4, structured: 4, leaked: 0, roundTripMs: spread(900) },
    tokens: { prompt: 90_000, completion: 2_000 },
    cost: { usdPerHour: 4.54, usdPerMillionGeneratedTokens: 11.5, usdPerMillionTokens: 0.25 },
    cold: null,
    durationMs: 20_000,
    errors: [],
  };
}
const HASHES = ["a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"];

/** The charts of a card and the text each shows once its metric is served. */
const CHARTS = ["requests", "kv", "gen", "prompt", "prefix", "ttft", "itl", "e2e", "spec"];

/** The coder's samples stored so far (the same history the page reads). */
async function sampleCount(world: DashboardWorld): Promise<number> {
  return ((await (await dashboardApi(world, "/api/history?range=hour")).json()).samples.coder as unknown[]).length;
}

/** Calls of the modal CLI stand-in whose argv starts with `prefix`. */
async function modalCalls(world: DashboardWorld, ...prefix: string[]): Promise<string[][]> {
  return (await world.modal.calls()).map((c) => c.argv).filter((argv) => prefix.every((p, i) => argv[i] === p));
}

// Each control runs the project's CLI (warm, cool) or modal: seconds each on 2 shared cores.
describe.runIf(chromiumAvailable() && !skipWithoutVllm())("dashboard: charts, spend, history, controls (headless Chromium, prometheus_client metrics page, modal CLI stand-in)", { timeout: 600_000 }, () => {
  let world: DashboardWorld;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    world = await startDashboardWorld({
      refreshSeconds: REFRESH_SECONDS,
      prometheus: { spec: true },
      prepare: async (modal, dir) => {
        const benchDir = join(dir, ".local", "state", "qwen-code-modal", "bench");
        await mkdir(benchDir, { recursive: true });
        await writeFile(benchResultPath(benchDir, "coder", HASHES[0]), JSON.stringify(benchResult(HASHES[0], "2026-12-01T10:00:00.000Z", 820, 0.91)));
        await writeFile(benchResultPath(benchDir, "coder", HASHES[1]), JSON.stringify(benchResult(HASHES[1], "2026-12-02T10:00:00.000Z", 1450, 0.62)));
        await modal.setBilling({ rows: BILLING });
        await modal.setApps([{ name: "qcm-coder", tasks: 1, tags: ["first", "second", "third"] }, { name: "qcm-vlm", tasks: 0 }]);
      },
    });
    await world.setTraffic({
      gauges: { running: 2, waiting: 1, kvCacheUsage: 0.4 },
      add: { prefixQueries: 1000, prefixHits: 750, promptTokens: 1000, generationTokens: 200, drafts: 50, draftTokens: 150, acceptedTokens: 90 },
      observe: { ttft: [0.3, 0.3, 0.3, 2.0], itl: [0.02, 0.02, 0.02, 0.2], e2e: [4, 4, 4, 30] },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1200 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it("shows every chart's value within two refreshes of the metrics page serving it", async () => {
    await page.goto(world.url);
    await expect.poll(() => page.textContent("#card-coder [data-role=state]"), { timeout: 15_000 }).toBe("warm · 1 container");
    const before = await sampleCount(world);
    await expect.poll(() => sampleCount(world), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 2);
    const now = (key: string) => page.textContent(`#card-coder [data-chart=${key}] .now`);
    await expect.poll(() => now("spec"), { timeout: 5_000 }).toBe("60.0%"); // 90 accepted / 150 drafted per window
    expect(await now("prefix")).toBe("75.0%"); // 750 hit / 1000 queried tokens per window
    expect(await now("kv")).toBe("40.0%");
    expect(await now("requests")).toBe("2 run · 1 wait");
    // Per window: 3 fast observations and 1 slow one, quantiles interpolated inside vLLM's buckets
    // (histogram_quantile): TTFT p50 = 0.25 + 0.25 × 2/3 in [0.25, 0.5], p90 = 1.0 + 1.5 × 0.6 in [1.0, 2.5].
    expect(await now("ttft")).toBe("417 ms / 1.90 s");
    expect(await now("itl")).toBe("20 ms / 180 ms"); // [0.01, 0.025] and [0.15, 0.2]
    expect(await now("e2e")).toBe("4.17 s / 26.00 s"); // [2.5, 5.0] and [20, 30]
    for (const key of CHARTS) {
      expect(await now(key), key).not.toBe("—");
      expect(await page.isVisible(`#card-coder [data-chart=${key}] canvas`), key).toBe(true);
    }
    expect(await page.locator("#card-coder .chart .empty:visible").count()).toBe(0);
  });

  it("shows the actual spend from Modal's billing report, labelled with its source and time", async () => {
    const actual = page.locator("[data-role=actual][data-source='Modal billing report']");
    await expect.poll(() => actual.locator(".big").textContent(), { timeout: 15_000 }).toBe("$15.75"); // 12.50 + 3.25: this stack's apps only
    expect(await actual.textContent()).toMatch(/this month \(UTC\) so far · read \d\d:\d\d:\d\d/);
  });

  it("compares the saved bench results by config hash", async () => {
    const rows = page.locator("#bench tbody tr");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(await rows.nth(0).getAttribute("data-config-hash")).toBe(HASHES[1]); // newest first
    expect(await rows.nth(0).textContent()).toContain("1450 ms");
    expect(await rows.nth(1).textContent()).toContain("91.0%");
  });

  it("saves a screenshot of the page (after a chat answer rendered as markdown)", async () => {
    await page.fill("#chat-input", "Write an add function in Python.");
    await page.click("#chat-send");
    await expect.poll(() => page.textContent("#chat [data-role=answer] pre code"), { timeout: 15_000 }).toContain("def add");
    await mkdir(join(SCREENSHOT, ".."), { recursive: true });
    const shot = join(world.dir, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect((await sharp(await readFile(shot)).metadata()).width).toBe(1440);
    await copyFile(shot, SCREENSHOT);
  });

  it("warms, cools and rolls back from the page, each confirmed with its cost, each reaching modal once", async () => {
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    const card = page.locator("#card-coder");
    await card.locator("[data-role=warm-hours]").fill("0.01");
    await card.locator("[data-role=warm]").click();
    await expect.poll(() => card.locator("[data-role=control-out]").textContent(), { timeout: 150_000 }).toContain("is warm");
    expect(dialogs.at(-1)).toMatch(/Keep coder warm for 0.01 h\?[\s\S]*about \$0\.\d+ \(\$\d+\.\d+\/h × 0.01 h, one container\)/);
    expect(await modalCalls(world, "function", "autoscaler", "update")).toEqual([["function", "autoscaler", "update", expect.stringMatching(/^qcm-coder\//), "--min-containers", "1"]]);

    await card.locator("[data-role=cool]").click();
    await expect.poll(() => card.locator("[data-role=control-out]").textContent(), { timeout: 150_000 }).toMatch(/cool/i);
    expect(dialogs.at(-1)).toContain("Cool coder?");
    expect((await modalCalls(world, "function", "autoscaler", "update")).map((a) => a.slice(-2))).toEqual([["--min-containers", "1"], ["--min-containers", "0"]]);

    await card.locator("[data-role=list-versions]").click();
    await expect.poll(() => card.locator("[data-role=versions] option").count(), { timeout: 15_000 }).toBe(3);
    await card.locator("[data-role=versions]").selectOption("1");
    await card.locator("[data-role=rollback]").click();
    await expect.poll(() => card.locator("[data-role=control-out]").textContent(), { timeout: 150_000 }).toBe("rolled qcm-coder back to v1 (a new deployment in its history)");
    expect(dialogs.at(-1)).toContain("Roll qcm-coder back to v1?");
    expect(await modalCalls(world, "app", "rollback")).toEqual([["app", "rollback", "qcm-coder", "v1"]]);
  });

  it("refuses warm, cool and rollback cross-origin, without the token or with another run's, and modal is not asked", async () => {
    const before = (await world.modal.calls()).length;
    const calls: [string, object][] = [
      ["/api/warm", { deployment: "coder", hours: 1 }],
      ["/api/cool", { deployment: "coder" }],
      ["/api/rollback", { deployment: "coder", version: 1 }],
    ];
    for (const [path, body] of calls) {
      const foreign = await dashboardApi(world, path, body, { origin: "http://evil.example" });
      expect(foreign.status, path).toBe(403);
      const anonymous = await fetch(`${world.origin}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(anonymous.status, path).toBe(403);
      const stale = await dashboardApi(world, path, body, { authorization: "Bearer not-this-runs-token" });
      expect(stale.status, path).toBe(403);
    }
    // A page on another local origin trying it in the browser.
    const other = await browser.newPage();
    await other.goto("data:text/html,<title>x</title>");
    const status = await other.evaluate(
      ([origin, token]) => fetch(`${origin}/api/warm`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ deployment: "coder", hours: 1 }) }).then((r) => r.status, () => "blocked"),
      [world.origin, world.token],
    );
    expect(status).not.toBe(200);
    await other.close();
    expect((await world.modal.calls()).slice(before).filter((c) => c.argv[0] !== "app" || c.argv[1] !== "list")).toEqual([]);
  });

  it("charts the last hour's samples after a restart (SQLite history), and a day and a week on request", async () => {
    const restartedAt = Date.now() / 1000;
    await world.restart();
    await page.goto(world.url);
    await expect.poll(() => page.textContent("#card-coder [data-chart=prefix] .now"), { timeout: 15_000 }).toBe("75.0%");
    const history = await page.evaluate(() => fetch("/api/state", { headers: { authorization: `Bearer ${localStorage.getItem("qcm-dashboard-token")}` } }).then((r) => r.json()));
    const old = (history.history.coder as { t: number }[]).filter((s) => s.t < restartedAt);
    expect(old.length).toBeGreaterThanOrEqual(2);
    for (const range of ["day", "week"]) {
      await page.click(`[data-range=${range}]`);
      await expect.poll(() => page.getAttribute(`[data-range=${range}]`, "aria-pressed")).toBe("true");
      await expect.poll(() => page.isVisible("#card-coder [data-chart=prefix] canvas")).toBe(true);
    }
    await page.click("[data-range=hour]");
    expect(pageErrors).toEqual([]);
  });
});

describe.runIf(chromiumAvailable())("actual spend from the controller's ledger on a workspace without billing reports (headless Chromium, modal CLI stand-in)", () => {
  it("shows the ledger's month-to-date figure labelled with its source, and the billing report's refusal", async () => {
    const facts = controlFacts(controlConfig(resolveConfig({}))!);
    const now = Date.now() / 1000;
    const monthStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1) / 1000;
    const ran = now - 60 - Math.max(now - 1860, monthStart); // up to 30 min of this month, ended a minute ago
    const world = await startDashboardWorld({
      prepare: async (modal, dir) => {
        const path = join(dir, "endpoints.json");
        // What `pulumi up` writes for a stack with the controller (infra/program/stack.ts).
        await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, "utf8")), control: facts }));
        await modal.setBilling({ denied: true, rows: [] });
        await modal.setDict(facts.dict, { "ledger:qcm-coder:a": { app: "qcm-coder", task: "a", start: now - 1860, heartbeat: now - 60, end: now - 60 } });
      },
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(world.url);
      const ledger = page.locator("[data-role=actual][data-source='controller ledger']");
      const expected = `$${(ran * facts.usdPerSecond["qcm-coder"]).toFixed(2)}`;
      await expect.poll(() => ledger.locator(".big").textContent(), { timeout: 20_000 }).toBe(expected);
      expect(await ledger.textContent()).toMatch(/\d{4}-\d\d \(UTC\) so far · read \d\d:\d\d:\d\d/);
      await expect.poll(() => page.textContent("[data-role=actual-problem]"), { timeout: 20_000 }).toContain("Modal billing report: Modal does not expose billing reports");
      expect(await page.textContent("[data-role=actual][data-source='Modal billing report'] .big")).toBe("n/a");
    } finally {
      await browser.close();
      await world.close();
    }
  });
});

describe.runIf(chromiumAvailable())("dashboard without an endpoint config (headless Chromium)", () => {
  it("explains on the page what is missing and what writes it", async () => {
    const world = await startDashboardWorld({ configPath: join("/nonexistent", "endpoints.json") });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(world.url);
      await expect.poll(() => page.textContent("#problems"), { timeout: 15_000 }).toContain("No deployments to show:");
      const text = await page.textContent("#problems");
      expect(text).toContain("/nonexistent/endpoints.json");
      expect(text).toContain("`pulumi up` writes the endpoint config");
      expect(await page.$$("#deployments .card")).toEqual([]);
    } finally {
      await browser.close();
      await world.close();
    }
  });
});
