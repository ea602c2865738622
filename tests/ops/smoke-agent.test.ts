import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadClientContext } from "../../infra/endpoints/context";
import { runSmoke, smokePassed, type SmokeReporter } from "../../infra/ops/smoke";
import { anthropicCountTokensRoute, anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { conformingCoderOptions } from "../stand-ins/coder-routes";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import type { StandInOptions } from "../stand-ins/vllm-endpoint";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";

const AUTH = { tokenId: "sk-agent-id", tokenSecret: "ss-agent-secret" };
const FAST = { coldStartTimeoutMs: 5_000, pollMs: 50, requestTimeoutMs: 5_000 };
const quiet: SmokeReporter = { waiting: () => {}, checked: () => {} };
const PARIS = { id: "chatcmpl-tool-1", name: "get_weather", arguments: '{"city": "Paris"}' };

describe("smoke checks agent behaviour against vLLM stand-ins behind Modal gateway stand-ins (tool-call leaks, /v1/messages, reasoning split)", () => {
  let dir: string;
  let envFile: string;
  let standIn: ModalEndpointStandIn | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-smoke-agent-"));
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
  });
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  async function smoke(role: "coder" | "vlm", options: StandInOptions) {
    standIn = await startModalEndpointStandIn({ proxyAuth: AUTH, ...options });
    const path = join(dir, `${role}-${Date.now()}.json`);
    await writeStandInEndpointConfig(path, { [role]: standIn });
    const [result] = await runSmoke(await loadClientContext({ config: path, "env-file": envFile }), FAST, quiet);
    return result.checks;
  }
  const messagesRoutes = [anthropicMessagesRoute("text", { toolInput: { city: "Paris" } }), anthropicCountTokensRoute()];

  it("fails a structured call whose content also carries <tool_call> markup (vLLM #30439)", async () => {
    const checks = await smoke("coder", {
      model: "qwen3-coder-next",
      respond: () => ({ content: "<tool_call>\n<function=get_weather>", toolCalls: [PARIS] }),
      routes: messagesRoutes,
    });
    const leak = checks.find((c) => c.name === "streamed tool call")!;
    expect(leak.ok).toBe(false);
    expect(leak.detail).toMatch(/^tool-call markup leaked into content next to the structured call/);
    expect(leak.guards!.failure).toBe("tool call left in content as <tool_call> text");
  });

  it("fails when /v1/messages answers text where Claude Code expects a tool_use block", async () => {
    const checks = await smoke("coder", {
      model: "qwen3-coder-next",
      respond: () => ({ content: "", toolCalls: [PARIS] }),
      routes: [anthropicMessagesRoute("It is sunny."), anthropicCountTokensRoute()],
    });
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect([byName["/health"].ok, byName["/v1/models"].ok, byName["streamed tool call"].ok, byName["/v1/messages/count_tokens"].ok]).toEqual([true, true, true, true]);
    expect(byName["/v1/messages tool_use (Claude Code)"].ok).toBe(false);
    expect(byName["/v1/messages tool_use (Claude Code)"].detail).toMatch(/^no tool_use block \(text "It is sunny\."\): is vLLM started with --enable-auto-tool-choice/);
  });

  it("fails when count_tokens is not served, and passes every coder check when it is", async () => {
    let missingRoute = true;
    const missing = await smoke("coder", { model: "qwen3-coder-next", ...conformingCoderOptions(() => (missingRoute ? "no-count-tokens" : undefined)) });
    expect(missing.at(-1)).toMatchObject({ name: "/v1/messages/count_tokens", ok: false, detail: 'HTTP 404: {"detail":"Not Found"}' });
    await standIn!.close();
    missingRoute = false;
    const checks = await smoke("coder", { model: "qwen3-coder-next", ...conformingCoderOptions(() => (missingRoute ? "no-count-tokens" : undefined)) });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks).toHaveLength(9);
    const sent = standIn!.requests.find((r) => r.path === "/v1/messages")!;
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.body).toMatchObject({ stream: true, tools: [{ name: "get_weather", input_schema: { type: "object" } }] });
  });

  it("fails a VLM whose reasoning is left in content as <think> tags (no reasoning parser)", async () => {
    const checks = await smoke("vlm", {
      model: "qwen3-vl",
      reasoningStyle: "think-tags",
      respond: () => ({ reasoning: "I see a triangle.", content: "Triangle, red." }),
    });
    const images = checks.find((c) => c.name === "images (triangle, colour block)")!;
    expect(images).toMatchObject({ ok: false });
    expect(images.detail).toMatch(/^reasoning not split from the answer \(reasoning empty, content "<think>.*is vLLM started with --reasoning-parser qwen3\?$/);
  });
});
