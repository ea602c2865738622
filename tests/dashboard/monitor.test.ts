import { afterEach, describe, expect, it } from "vitest";
import type { EndpointConfig } from "@qwen-code-modal/contract";
import { Monitor, type LiveDeployment, type MetricsSample } from "../../infra/dashboard/monitor";
import type { AppListRow } from "../../infra/provider/modal-cli";
import type { PlanEntry } from "../../infra/plan/plan";
import { vllmMetricsRoute } from "../stand-ins/coder-routes";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const AUTH = { tokenId: "pk-mon1", tokenSecret: "ps-mon1" };
const HEADERS = { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret };

function configFor(standIn: VllmStandIn): EndpointConfig {
  return {
    version: 1,
    stack: "t",
    proxyAuth: { tokenIdEnv: "MODAL_PROXY_TOKEN_ID", tokenSecretEnv: "MODAL_PROXY_TOKEN_SECRET" },
    endpoints: {
      coder: { role: "coder", app: "qcm-coder", url: standIn.url, baseUrl: standIn.baseUrl, model: standIn.model, modelId: "m/c", maxModelLen: 1024, maxImagesPerPrompt: 0, toolCalling: true, reasoning: false },
    },
  };
}
const row = (tasks: number, state = "deployed"): AppListRow => ({ app_id: "ap-1", description: "qcm-coder", state, tasks: String(tasks) });
const plan = new Map([["coder", { cost: { usdPerWarmHour: 3.6 }, scaledownWindow: 300 } as unknown as PlanEntry]]);

describe("dashboard monitor against a vLLM stand-in", () => {
  let standIn: VllmStandIn;
  let monitor: Monitor;
  afterEach(async () => {
    monitor?.stop();
    await standIn?.close();
  });

  async function start(rows: () => AppListRow[] | Error, options = {}) {
    monitor = new Monitor(
      { config: configFor(standIn), headers: HEADERS, plan: () => plan, listApps: async () => { const r = rows(); if (r instanceof Error) throw r; return r; } },
      { appsIntervalMs: 100, metricsIntervalMs: 50, ...options },
    );
    monitor.start();
    await monitor.refreshApps();
  }
  const live = (): LiveDeployment => monitor.snapshot()[0];

  it("never asks a scaled-to-zero app, nor one Modal cannot report on", async () => {
    standIn = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH });
    let rows: AppListRow[] | Error = [row(0)];
    await start(() => rows);
    expect(live()).toMatchObject({ modal: "deployed", containers: 0, state: "scaled to zero", burnUsdPerHour: 0 });
    rows = new Error("modal app list failed: Token missing");
    await monitor.refreshApps();
    expect(live()).toMatchObject({ modal: "unknown", state: "unknown" });
    expect(live().metricsNote).toContain("Token missing");
    rows = [row(2, "stopped")];
    await monitor.refreshApps();
    expect(live().state).toBe("stopped");
    await new Promise((r) => setTimeout(r, 400));
    expect(standIn.requests).toHaveLength(0);
  });

  it("samples a warm app's metrics with rates, and pauses when it idles so it can scale to zero", async () => {
    let values = { running: 1, waiting: 0, kvCacheUsage: 0.25, promptTokens: 100, generationTokens: 50 };
    standIn = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, routes: [{ method: "GET", path: "/metrics", handle: (ctx) => vllmMetricsRoute("qwen3-coder-next", values).handle(ctx) }] });
    await start(() => [row(1)], { idlePauseMs: 400 });
    const samples: MetricsSample[] = [];
    monitor.on("sample", (s: { name: string; sample: MetricsSample }) => samples.push(s.sample));
    expect(live()).toMatchObject({ state: "warm", containers: 1, burnUsdPerHour: 3.6 });
    await expect.poll(() => samples.length).toBeGreaterThan(2);
    values = { ...values, generationTokens: 1050 };
    await expect.poll(() => samples.some((s) => (s.generationTps ?? 0) > 0)).toBe(true);
    expect(samples.at(-1)).toMatchObject({ running: 1, kvCacheUsage: 0.25 });
    // Nothing running or waiting, no token moving: after idlePauseMs the dashboard stops asking.
    values = { ...values, running: 0 };
    await expect.poll(() => live().metricsNote ?? "", { timeout: 5000 }).toMatch(/metrics paused so the app can scale to zero/);
    const asked = standIn.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(standIn.requests.length).toBe(asked);
    monitor.touch("coder");
    await expect.poll(() => standIn.requests.length).toBeGreaterThan(asked);
    expect(standIn.requests.every((r) => r.headers["modal-key"] === AUTH.tokenId)).toBe(true);
  });

  it("counts warm container time into the watched spend", async () => {
    standIn = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH });
    await start(() => [row(2)]);
    await new Promise((r) => setTimeout(r, 300));
    await monitor.refreshApps();
    expect(live().watchedWarmSeconds).toBeGreaterThan(0.5); // 2 containers × ≥ 0.3 s
    expect(live().watchedSpendUsd).toBeCloseTo((live().watchedWarmSeconds * 3.6) / 3600, 9);
  });

  it("wake: reports the cold-start phases until /health answers", async () => {
    standIn = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, fault: { status: 503, requests: 2 } });
    let tasks = 0;
    await start(() => [row(tasks)]);
    const phases: string[] = [];
    monitor.on("live", (l: LiveDeployment) => l.coldStart && phases.at(-1) !== l.coldStart.phase && phases.push(l.coldStart.phase));
    expect(monitor.wake("coder")).toBe(true);
    expect(monitor.wake("coder")).toBe(false); // one at a time
    tasks = 1;
    await expect.poll(() => live().coldStart?.phase, { timeout: 15_000 }).toBe("healthy");
    expect(phases[0]).toBe("request sent");
    expect(phases).toContain("healthy");
    expect(phases.some((p) => p === "container starting" || p === "loading model")).toBe(true);
    // The stand-in answers 503 twice (to whichever request comes: /health, or /metrics once Modal reports the container).
    const health = standIn.requests.filter((r) => r.path === "/health").map((r) => r.status);
    expect(health[0]).toBe(503);
    expect(health.at(-1)).toBe(200);
  });
});
