import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { installInHome } from "../support/install-in-home";
import { anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";

const TOKEN_ID = "ck-standin-claude-id";
const TOKEN_SECRET = "cs-standin-claude-secret";
const ROOT = projectRoot();
const CLI = join(ROOT, "dist", "infra", "cli", "main.js");
const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");
/** Test preload: holds the MCP server's start for 3 s, longer than Claude Code's non-blocking MCP wait in -p mode. */
const SLOW_START = join(__dirname, "fixtures", "slow-start.mjs");

interface MessagesBody {
  model: string;
  system?: string | { type: string; text: string }[];
  tools?: { name: string }[];
}

describe("the claude launcher runs the real Claude Code 2.1.330 (`claude -p`) against /v1/messages through the Modal gateway stand-in", () => {
  let home: string;
  let coder: ModalEndpointStandIn;
  let vlm: ModalEndpointStandIn;
  let configPath: string;
  let envFile: string;
  let result: Awaited<ReturnType<typeof execa>>;
  const launch = (own: string[], claudeArgs: string[]) =>
    execa(process.execPath, [CLI, "claude", "--config", configPath, "--env-file", envFile, "--claude-bin", CLAUDE, ...own, "--", ...claudeArgs], {
      cwd: home,
      // A real Anthropic key in the caller's environment must not reach the endpoint.
      env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ANTHROPIC_API_KEY: "sk-ant-must-not-be-sent" },
      extendEnv: false,
      stdin: "ignore",
      reject: false,
      timeout: 120_000,
    });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-claude-"));
    const auth = { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET };
    // The coder is scaled to zero and its cold start (2.5 s) outlasts Modal's request limit (scaled to 0.8 s).
    coder = await startModalEndpointStandIn(
      { model: "qwen3-coder-next", proxyAuth: auth, routes: [anthropicMessagesRoute("stand-in coder via messages")] },
      { coldStartMs: 2_500, requestLimitMs: 800 },
    );
    vlm = await startModalEndpointStandIn({ model: "qwen3-vl", proxyAuth: auth });
    configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder, vlm });
    envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\n`);
    const claudeConfigPath = join(home, ".claude.json");
    await installInHome(home, configPath, envFile);
    // vlm-analyzer as registered, but 3 s slow to start: with Claude Code's non-blocking MCP start
    // (its default), the first request of `claude -p` goes out without the vlm tools.
    const claudeConfig = JSON.parse(await readFile(claudeConfigPath, "utf8"));
    claudeConfig.mcpServers["vlm-analyzer"].env.NODE_OPTIONS = `--import=${SLOW_START}`;
    await writeFile(claudeConfigPath, JSON.stringify(claudeConfig));
    result = await launch([], ["-p", "Say hello."]);
  }, 180_000);
  afterAll(async () => {
    await coder.close();
    await vlm.close();
  });

  const messages = () => coder.requests.filter((r) => r.path === "/v1/messages" && r.status === 200);

  it("wakes the coder first, with a progress line, then answers through the stand-in", () => {
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain("stand-in coder via messages");
    expect(result.stderr).toMatch(/^… waking the coder \(qcm-coder\): \d+ s so far, up to 1200 s \(last: .*\); a cold start takes minutes$/m);
    expect(result.stderr).toMatch(/^… the coder is up after \d+ s$/m);
    expect(coder.gateway.stats.coldStarts).toBe(1);
    expect(coder.gateway.stats.unauthorized).toBe(0);
  });

  it("sends the proxy headers, the placeholder token and the coder's model name", () => {
    const sent = messages();
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.headers["modal-key"]).toBe(TOKEN_ID);
      expect(r.headers["modal-secret"]).toBe(TOKEN_SECRET);
      expect(r.headers["authorization"]).toBe("Bearer modal-proxy-auth");
      expect(r.headers["x-api-key"]).toBeUndefined();
      // A Web Function coder (serving web_server): no session header, as before Modal Servers.
      expect(r.headers["modal-session-id"]).toBeUndefined();
      expect((r.body as MessagesBody).model).toBe("qwen3-coder-next");
    }
  });

  it("offers vlm-analyzer's tools in the first request, although the server is slow to start (MCP_CONNECTION_NONBLOCKING=false), not deferred behind ToolSearch", () => {
    const main = messages().find((r) => (r.body as MessagesBody).tools?.some((t) => t.name === "Bash"));
    expect(main, "no request carried the agent's tools").toBeDefined();
    const names = (main!.body as MessagesBody).tools!.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["mcp__vlm-analyzer__analyze_image", "mcp__vlm-analyzer__compare_images"]));
    expect(names).not.toContain("ToolSearch");
  });

  it("keeps the per-conversation attribution header out of the system prompt (CLAUDE_CODE_ATTRIBUTION_HEADER=false), so vLLM's prefix cache holds", () => {
    const systems = messages().map((r) => JSON.stringify((r.body as MessagesBody).system ?? ""));
    expect(systems.some((s) => s.length > 100)).toBe(true);
    for (const s of systems) expect(s).not.toContain("x-anthropic-billing-header");
  });

  it("Claude Code follows Modal's 303 to the result URL on its own, with the proxy headers (--no-wake, cold coder)", async () => {
    coder.gateway.scaleToZero();
    const before = coder.gateway.stats.events.length;
    const cold = await launch(["--no-wake"], ["-p", "Say hello."]);
    expect(cold.exitCode, String(cold.stderr)).toBe(0);
    expect(cold.stdout).toContain("stand-in coder via messages");
    expect(cold.stderr).not.toContain("waking the coder");
    const events = coder.gateway.stats.events.slice(before);
    const redirected = events.find((e) => e.kind === "303" && e.url?.startsWith("/v1/messages"));
    expect(redirected, JSON.stringify(events)).toBeDefined();
    // The client came back for the result URL (a GET), with valid credentials, and got the answer there.
    expect(events.some((e) => e.kind === "result" && e.method === "GET" && e.callId === redirected!.callId)).toBe(true);
    expect(events.some((e) => e.kind === "answered" && e.callId === redirected!.callId && e.status === 200)).toBe(true);
    expect(events.filter((e) => e.kind === "401")).toEqual([]);
  });
});
