// The conformance suite against the vLLM stand-in: a coder that behaves passes every check, and
// each misbehaviour switch (a reported upstream failure) fails the check that guards it, naming it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "@qwen-code-modal/contract";
import { CODER_CHECKS, runConformance, VLM_CHECKS } from "../../infra/conformance/suite";
import { conformingCoderOptions, type CoderMisbehaviour } from "../stand-ins/coder-routes";
import { conformingVlm, startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const AUTH = { tokenId: "wk-conformance", tokenSecret: "ws-conformance" };
const headers = { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret };

function endpointOf(standIn: VllmStandIn, role: "coder" | "vlm"): Endpoint {
  return {
    role,
    app: `qcm-${role}`,
    url: standIn.url,
    baseUrl: standIn.baseUrl,
    model: standIn.model,
    modelId: role === "coder" ? "unsloth/Qwen3-Coder-Next-FP8-Dynamic" : "Qwen/Qwen3-VL-32B-Thinking-FP8",
    maxModelLen: 4096,
    maxImagesPerPrompt: role === "vlm" ? 5 : 0,
    toolCalling: role === "coder",
    reasoning: role === "vlm",
  };
}

describe("conformance suite (vLLM stand-in)", () => {
  let coder: VllmStandIn;
  let mode: CoderMisbehaviour | undefined;
  beforeAll(async () => {
    coder = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, ...conformingCoderOptions(() => mode) });
  });
  afterAll(async () => {
    await coder.close();
  });

  it("a well-behaved coder passes every check, each naming the failure it guards", async () => {
    mode = undefined;
    const results = await runConformance(endpointOf(coder, "coder"), { headers, timeoutMs: 5_000 });
    expect(results.map((r) => [r.id, r.ok, r.ok ? "" : r.detail])).toEqual(CODER_CHECKS.map((c) => [c.id, true, ""]));
    for (const r of results) expect(r.guards.sources.length).toBeGreaterThan(0);
    const parallel = coder.completions().find((r) => JSON.stringify(r.body).includes("write_file"))!;
    // qwen-code 0.24.4's streaming shape (chunks/chunk-N3HID7XO.js:1643-1645).
    expect(parallel.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const messages = coder.requests.find((r) => r.path === "/v1/messages")!;
    expect(messages.body).toMatchObject({ tool_choice: { type: "auto" }, system: [{ type: "text" }, { cache_control: { type: "ephemeral" } }] });
    expect(messages.headers["anthropic-beta"]).toBeTruthy();
  });

  const cases: [CoderMisbehaviour, string, RegExp][] = [
    ["call-in-content", "coder.streamed-tool-call", /^no get_weather entry in tool_calls .*content "<tool_call>\\n<function=get_weather>/],
    ["error-mid-stream", "coder.streamed-tool-call", /^the stream broke with an error event after \d+ chunk\(s\): \{"error":\{"message":"list index out of range","type":"InternalServerError"/],
    ["silent-stream", "coder.literal-tool-call-text", /^timed out after \d+ s/],
    ["no-messages", "coder.anthropic-tool-use", /HTTP 404/],
    ["no-count-tokens", "coder.count-tokens", /HTTP 404/],
  ];
  it.each(cases)("misbehaviour %s fails %s, naming what came back", async (m, id, detail) => {
    mode = m;
    const results = await runConformance(endpointOf(coder, "coder"), { headers, timeoutMs: 2_000 });
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => r.id)).toContain(id);
    expect(failed.find((r) => r.id === id)!.detail).toMatch(detail);
    // Every other check of the turn this switch leaves alone still passes.
    expect(results.find((r) => r.id === "models")!.ok).toBe(true);
  });

  it("call-in-content also fails the parallel-call check with the markup named", async () => {
    mode = "call-in-content";
    const results = await runConformance(endpointOf(coder, "coder"), { headers, timeoutMs: 2_000 });
    expect(results.find((r) => r.id === "coder.parallel-tool-calls")!.detail).toMatch(/^tool-call markup in content/);
  });

  it("a VLM passes its checks; one that cannot count the images fails vlm.max-images", async () => {
    const base = () => ({ reasoning: "A shape and a colour.", content: "Triangle, red." });
    const good = await startVllmStandIn({ model: "qwen3-vl", proxyAuth: AUTH, respond: conformingVlm(base) });
    const blind = await startVllmStandIn({ model: "qwen3-vl", proxyAuth: AUTH, respond: base });
    try {
      const ok = await runConformance(endpointOf(good, "vlm"), { headers, timeoutMs: 10_000 });
      expect(ok.map((r) => [r.id, r.ok])).toEqual(VLM_CHECKS.map((c) => [c.id, true]));
      expect(good.completions().map((r) => r.images.length)).toEqual([2, 5, 1]);
      expect(good.completions()[2].images[0]).toMatchObject({ width: 3840, height: 2160 });
      const bad = await runConformance(endpointOf(blind, "vlm"), { headers, timeoutMs: 10_000 });
      expect(bad.filter((r) => !r.ok).map((r) => r.id)).toEqual(["vlm.max-images", "vlm.screenshot-4k"]);
    } finally {
      await good.close();
      await blind.close();
    }
  });
});
