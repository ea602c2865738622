import { describe, expect, it } from "vitest";
import {
  estimateCost,
  fetchModalBillingRates,
  GPU_RATES_USD_PER_SECOND,
  MODAL_BILLING_RATES_ARGS,
  parseModalBillingRates,
  RATES_AS_OF,
} from "../../infra/cost";
import { GPU_NAMES } from "../../infra/modal/gpus";

describe("estimateCost", () => {
  it("coder default: one H200, 120 s start, 300 s scaledown_window", () => {
    const r = estimateCost({ gpu: "H200", gpuCount: 1, startupSeconds: 120, scaledownWindowSeconds: 300 });
    expect(r.usdPerSecond).toBe(0.001261);
    expect(r.usdPerWarmHour).toBeCloseTo(4.5396, 10); // 0.001261 x 3600
    expect(r.usdPerColdStart).toBeCloseTo(0.15132, 10); // 0.001261 x 120
    expect(r.usdPerIdleTail).toBeCloseTo(0.3783, 10); // 0.001261 x 300
    expect(r.source).toContain("modal.com/pricing");
    expect(r.asOf).toBe(RATES_AS_OF);
  });

  it("vlm default: one A100-80GB", () => {
    const r = estimateCost({ gpu: "A100-80GB", gpuCount: 1, startupSeconds: 90, scaledownWindowSeconds: 300 });
    expect(r.usdPerWarmHour).toBeCloseTo(2.4984, 10); // 0.000694 x 3600
    expect(r.usdPerColdStart).toBeCloseTo(0.06246, 10); // 0.000694 x 90
    expect(r.usdPerIdleTail).toBeCloseTo(0.2082, 10); // 0.000694 x 300
  });

  it("scales with the GPU count and with scaledown_window", () => {
    const one = estimateCost({ gpu: "H100", gpuCount: 1, startupSeconds: 60, scaledownWindowSeconds: 60 });
    const two = estimateCost({ gpu: "H100", gpuCount: 2, startupSeconds: 60, scaledownWindowSeconds: 600 });
    expect(two.usdPerWarmHour).toBeCloseTo(2 * one.usdPerWarmHour, 10); // 2 x 3.9492
    expect(two.usdPerIdleTail).toBeCloseTo(20 * one.usdPerIdleTail, 10); // 2 GPUs x 10x window
    expect(estimateCost({ gpu: "H100", gpuCount: 1, startupSeconds: 0, scaledownWindowSeconds: 0 }).usdPerIdleTail).toBe(0);
  });

  it("takes a rate override from config and says so", () => {
    const r = estimateCost({
      gpu: "H200",
      gpuCount: 1,
      startupSeconds: 100,
      scaledownWindowSeconds: 0,
      rateOverrides: { H200: 0.002, H100: 0.5 },
    });
    expect(r.usdPerSecond).toBe(0.002);
    expect(r.usdPerColdStart).toBeCloseTo(0.2, 10);
    expect(r.source).toBe("config override");
    expect(r.asOf).toBe("override");
  });

  it("has a rate for every Modal GPU name", () => {
    for (const gpu of GPU_NAMES) expect(GPU_RATES_USD_PER_SECOND[gpu], gpu).toBeGreaterThan(0);
  });

  it.each([
    [{ gpu: "V100" }, /unknown GPU type/],
    [{ gpuCount: 0 }, /gpuCount/],
    [{ startupSeconds: -1 }, /startupSeconds/],
    [{ scaledownWindowSeconds: Number.NaN }, /scaledownWindowSeconds/],
    [{ rateOverrides: { H200: 0 } }, /positive USD\/second/],
  ])("rejects %o", (patch, error) => {
    expect(() =>
      estimateCost({ gpu: "H200", gpuCount: 1, startupSeconds: 1, scaledownWindowSeconds: 1, ...patch }),
    ).toThrow(error);
  });
});

describe("modal billing rates", () => {
  it("parses the CLI's JSON (decimal strings) as reported", () => {
    expect(parseModalBillingRates('{"gpu.h200": "0.001261", "cpu": "0.0000131"}')).toEqual({
      "gpu.h200": 0.001261,
      cpu: 0.0000131,
    });
  });

  it.each(['["0.1"]', '{"x": "abc"}', '{"x": 1e999}', "null"])("rejects %s", (stdout) => {
    expect(() => parseModalBillingRates(stdout)).toThrow(/modal billing rates/);
  });

  it("runs `modal billing rates --json` through the injected runner", async () => {
    const calls: [string, readonly string[]][] = [];
    const rates = await fetchModalBillingRates("/venv/bin/modal", async (file, args) => {
      calls.push([file, args]);
      return '{"a": "1.5"}';
    });
    expect(calls).toEqual([["/venv/bin/modal", MODAL_BILLING_RATES_ARGS]]);
    expect(MODAL_BILLING_RATES_ARGS).toEqual(["billing", "rates", "--json"]);
    expect(rates).toEqual({ a: 1.5 });
  });
});
