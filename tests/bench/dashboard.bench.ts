// The dashboard's page load (navigation to the token URL from a blank page, every asset, the shared
// worker's event stream, until both deployment cards show their state; one browser tab reused),
// with every chart fed by the prometheus_client metrics page and the history database in use, and the server's memory (VmRSS / VmHWM of the
// `qwen-code-modal dashboard` process, read from /proc after the loads), against the stand-ins.
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, bench, describe } from "vitest";
import { chromiumAvailable, launchChromium } from "../support/chromium";
import { skipWithoutVllm } from "../support/vllm";
import { startDashboardWorld, type DashboardWorld } from "../dashboard/harness";

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

const available = chromiumAvailable() && !skipWithoutVllm();
const world: DashboardWorld | undefined = available ? await startDashboardWorld({ refreshSeconds: 1, prometheus: { spec: true } }) : undefined;
await world?.setTraffic({
  gauges: { running: 2, waiting: 1, kvCacheUsage: 0.4 },
  add: { prefixQueries: 1000, prefixHits: 750, promptTokens: 1000, generationTokens: 200, drafts: 50, draftTokens: 150, acceptedTokens: 90 },
  observe: { ttft: [0.3, 2.0], itl: [0.02, 0.2], e2e: [4, 30] },
});
const browser: Browser | undefined = available ? await launchChromium() : undefined;
const page = browser ? await browser.newPage() : undefined;
const loads: number[] = [];
if (world) {
  const m = memoryMiB(world.process.pid!);
  console.log(`dashboard server memory at start: RSS ${m.rss.toFixed(1)} MiB`);
}

afterAll(async () => {
  if (!world) return;
  const m = memoryMiB(world.process.pid!);
  const sorted = [...loads].sort((a, b) => a - b);
  console.log(`dashboard page load: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms over ${loads.length} loads`);
  console.log(`dashboard server memory after the loads: RSS ${m.rss.toFixed(1)} MiB, peak ${m.peak.toFixed(1)} MiB`);
  await browser?.close();
  await world.close();
});

describe.runIf(available)("dashboard (stand-ins, headless Chromium)", () => {
  bench(
    "page load: token URL → both cards show their state (first SSE event)",
    async () => {
      await page!.goto("about:blank");
      const started = performance.now();
      await page!.goto(world!.url);
      await page!.waitForFunction(() => {
        const states = [...document.querySelectorAll(".card [data-role=state]")].map((e) => e.textContent);
        return states.length === 2 && states.every((s) => s && s !== "…" && s !== "unknown");
      });
      loads.push(performance.now() - started);
    },
    { iterations: 20, time: 0, warmupIterations: 2 },
  );
});
