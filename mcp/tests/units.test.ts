import { describe, expect, it } from "vitest";
import { splitReasoning } from "@qwen-code-modal/contract";
import { captureTools, sessionKind } from "../src/capture-tools.js";
import { fitToTokenBudget, visualTokens } from "../src/image-budget.js";
import { classifyNetworkError, retryDelayMs } from "@qwen-code-modal/contract";

describe("fitToTokenBudget (Qwen3-VL: one visual token per 32x32 px)", () => {
  it("leaves an image that fits alone and never enlarges", () => {
    expect(fitToTokenBudget({ width: 640, height: 480 }, 1280)).toEqual({ width: 640, height: 480 });
    expect(visualTokens(640, 480)).toBe(300);
    expect(visualTokens(33, 1)).toBe(2);
  });

  it.each([
    [3840, 2160, 1280],
    [1080, 2400, 1280],
    [5000, 5000, 256],
    [6000, 300, 64],
  ])("fits %ix%i into %i tokens keeping the aspect ratio", (width, height, budget) => {
    const fit = fitToTokenBudget({ width, height }, budget);
    expect(visualTokens(fit.width, fit.height)).toBeLessThanOrEqual(budget);
    expect(visualTokens(fit.width, fit.height)).toBeGreaterThan(budget * 0.85);
    expect(Math.abs(fit.width / fit.height - width / height) / (width / height)).toBeLessThan(0.03);
  });
});

describe("splitReasoning", () => {
  it("takes reasoning from reasoning_content or reasoning fields", () => {
    expect(splitReasoning({ content: " A star. ", reasoning_content: "hmm" })).toEqual({ answer: "A star.", reasoning: "hmm" });
    expect(splitReasoning({ content: "A star.", reasoning: "hmm" })).toEqual({ answer: "A star.", reasoning: "hmm" });
  });
  it("cuts inline <think> blocks, with or without the opening tag", () => {
    expect(splitReasoning({ content: "<think>\nlook\n</think>\n\nA heart." })).toEqual({ answer: "A heart.", reasoning: "look" });
    expect(splitReasoning({ content: "look closer</think>A heart." })).toEqual({ answer: "A heart.", reasoning: "look closer" });
    expect(splitReasoning({ content: "<think>still thinking" })).toEqual({ answer: "", reasoning: "still thinking" });
    expect(splitReasoning({ content: null })).toEqual({ answer: "", reasoning: "" });
  });
});

describe("sessionKind picks the capture tools by session, not by DISPLAY", () => {
  it.each([
    ["darwin", {}, "macos", "screencapture"],
    ["win32", {}, "windows", "powershell.exe"],
    ["linux", { XDG_SESSION_TYPE: "wayland", DISPLAY: ":0" }, "wayland", "grim"],
    ["linux", { WAYLAND_DISPLAY: "wayland-0", DISPLAY: ":0" }, "wayland", "grim"],
    ["linux", { XDG_SESSION_TYPE: "x11", WAYLAND_DISPLAY: "wayland-0" }, "x11", "maim"],
    ["linux", { DISPLAY: ":1" }, "x11", "maim"],
  ] as const)("%s %o -> %s (%s first)", (platform, env, kind, first) => {
    const k = sessionKind(platform, env);
    expect(k).toBe(kind);
    expect(captureTools(k!)[0].command).toBe(first);
  });
  it("finds no session on a headless Linux", () => {
    expect(sessionKind("linux", { XDG_SESSION_TYPE: "tty" })).toBeUndefined();
  });
});

describe("retryDelayMs: backoff with a floor, never a busy loop", () => {
  it("doubles from the 1 s floor to the 15 s cap, with jitter", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 60_000, mid))).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect(retryDelayMs(1, 60_000, () => 0)).toBe(1_000);
    expect(retryDelayMs(3, 60_000, () => 0.999)).toBeCloseTo(4_800, -1);
  });

  it("shortens the last pause to leave 0.5 s for the last attempt, and gives up rather than pause under the floor", () => {
    expect(retryDelayMs(4, 3_000, () => 0.5)).toBe(2_500);
    expect(retryDelayMs(1, 1_499, () => 0.5)).toBeUndefined();
    expect(retryDelayMs(1, 0, () => 0.5)).toBeUndefined();
  });
});

describe("classifyNetworkError: a *.modal.run host always has Modal's gateway answering", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
  const reset = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });

  it("a refused connection is final on *.modal.run, retried elsewhere", () => {
    expect(classifyNetworkError("https://ws--qcm-vlm-serve.modal.run/v1", refused)).toMatchObject({ code: "ECONNREFUSED", final: true, message: expect.stringContaining("not a cold start") });
    expect(classifyNetworkError("http://127.0.0.1:8000/v1", refused)).toMatchObject({ code: "ECONNREFUSED", final: false });
  });

  it("a DNS failure is final everywhere; a dropped connection is retried everywhere", () => {
    expect(classifyNetworkError("https://ws--x.modal.run/v1", notFound).final).toBe(true);
    expect(classifyNetworkError("http://vllm.internal/v1", notFound).final).toBe(true);
    expect(classifyNetworkError("https://ws--x.modal.run/v1", reset).final).toBe(false);
  });
});
