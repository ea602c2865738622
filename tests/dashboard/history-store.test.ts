import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMetrics, windowMetrics } from "../../infra/endpoints/metrics";
import { HistoryStore, SAMPLE_RETENTION_DAYS } from "../../infra/dashboard/history-store";

describe("HistoryStore (node:sqlite under the cache folder)", () => {
  it("keeps samples across reopenings, drops them past retention, and averages a day per minute", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "qcm-history-")), "dashboard", "history.sqlite");
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    const first = new HistoryStore(path, now);
    first.addSample("coder", { t: now / 1000 - (SAMPLE_RETENTION_DAYS + 1) * 86_400, running: 9 });
    for (let i = 0; i < 6; i++) first.addSample("coder", { t: now / 1000 - 7200 + i * 10, running: i, prefixCacheHitRate: 0.5 });
    first.addSample("coder", { t: now / 1000 - 60, running: 3, ttftP50: 0.4 });
    first.addSpend({ source: "Modal billing report", period: "this month (UTC) so far", usd: 15.75, t: now / 1000 - 30, byDeployment: { coder: 12.5, vlm: 3.25 } });
    first.close();

    const again = new HistoryStore(path, now); // a restart: retention applied on opening
    expect(again.samples("coder", "hour", now)).toEqual([{ t: now / 1000 - 60, running: 3, ttftP50: 0.4 }]);
    const day = again.samples("coder", "day", now);
    expect(day).toHaveLength(2); // the six samples of 10:00:00-10:00:50 in one minute bucket, and the last one
    expect(day[0]).toMatchObject({ t: now / 1000 - 7200 + 50, running: 2.5, prefixCacheHitRate: 0.5 }); // their mean, at the bucket's last time
    expect(again.samples("coder", "week", now).every((s) => s.running !== 9)).toBe(true); // the 9-day-old one is gone
    expect(again.latestSpend()).toEqual({ source: "Modal billing report", period: "this month (UTC) so far", usd: 15.75, t: now / 1000 - 30, byDeployment: { coder: 12.5, vlm: 3.25 } });
    expect(again.samples("vlm", "week", now)).toEqual([]);
    again.close();
  });
});

describe("windowMetrics: what happened between two /metrics readings", () => {
  const page = (queries: number, hits: number, ttft: [string, number][]) =>
    [
      `vllm:prefix_cache_queries_total{engine="0",model_name="m"} ${queries}`,
      `vllm:prefix_cache_hits_total{engine="0",model_name="m"} ${hits}`,
      ...ttft.map(([le, n]) => `vllm:time_to_first_token_seconds_bucket{engine="0",le="${le}",model_name="m"} ${n}`),
      "",
    ].join("\n");
  it("takes ratios and quantiles of the deltas, and counts a restarted server from zero", () => {
    const before = readMetrics(page(1000, 100, [["0.25", 0], ["0.5", 10], ["+Inf", 10]]));
    const after = readMetrics(page(2000, 900, [["0.25", 0], ["0.5", 10], ["+Inf", 14]]));
    const w = windowMetrics(before, after);
    expect(w.prefixCacheHitRate).toBe(0.8); // 800 of 1000 in the window, not 900 / 2000 cumulative
    expect(w.ttftP50).toBe(0.5); // the 4 new requests are all above 0.5 s: the highest finite bound
    expect(w.specDecodeAcceptance).toBeNull(); // off
    const restarted = readMetrics(page(50, 40, [["0.25", 1], ["0.5", 1], ["+Inf", 1]]));
    expect(windowMetrics(after, restarted).prefixCacheHitRate).toBe(0.8);
    expect(windowMetrics(after, restarted).ttftP50).toBe(0.125);
  });
});
