import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { installInHome } from "../support/install-in-home";
import { anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startModalServerRouter, type ModalServerRouterStandIn, type RoutedRequest } from "../stand-ins/modal-gateway";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const AUTH = { tokenId: "wk-standin-sessions", tokenSecret: "ws-standin-sessions" };
const ROOT = projectRoot();
const CLI = join(ROOT, "dist", "infra", "cli", "main.js");
const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");
const SESSION_ID = /^qcm-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The one session id of a launch's requests (every request must carry the same one). */
function oneSessionId(requests: RoutedRequest[]): string {
  expect(requests.length).toBeGreaterThan(0);
  const ids = new Set(requests.map((r) => r.sessionId));
  expect([...ids], "every request of one launch carries the same Modal-Session-ID").toHaveLength(1);
  const [id] = ids;
  expect(id).toMatch(SESSION_ID);
  return id!;
}

/**
 * A stand-in test: the coder deployed as a Modal Server (`serving: "server"` in the endpoint
 * config), two containers behind the Server router stand-in; the real qwen-code 0.24.4 (through
 * `qodal`) and the real Claude Code 2.1.330 (through the `claude` launcher) send requests, and the
 * router's request log shows the `Modal-Session-ID` each carried.
 */
describe("every agent launch sends its own stable Modal-Session-ID to a Modal Server coder (real qwen-code and Claude Code CLIs)", () => {
  let home: string;
  const containers: VllmStandIn[] = [];
  let router: ModalServerRouterStandIn;
  let vlm: VllmStandIn;
  let configPath: string;
  let envFile: string;
  const env = () => ({ HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-sessions-"));
    for (let i = 0; i < 2; i += 1) {
      containers.push(
        await startVllmStandIn({
          model: "qwen3-coder-next",
          proxyAuth: false,
          respond: () => ({ content: `stand-in coder on container ${i}` }),
          routes: [anthropicMessagesRoute(`stand-in coder via messages on container ${i}`)],
        }),
      );
    }
    router = await startModalServerRouter({ upstreams: containers.map((c) => c.url), proxyToken: AUTH });
    vlm = await startVllmStandIn({ model: "qwen3-vl", proxyAuth: AUTH });
    configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder: { model: "qwen3-coder-next", url: router.url, baseUrl: router.baseUrl }, vlm }, ["coder"]);
    envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
    await installInHome(home, configPath, envFile);
  }, 120_000);
  afterAll(async () => {
    await router?.close();
    for (const c of containers) await c.close();
    await vlm?.close();
  });

  it("qwen-code's settings reference ${QCM_SESSION_ID} (never a value); each qodal launch sends one id on every request, a new one per launch", async () => {
    const settings = JSON.parse(await readFile(join(home, ".qwen", "settings.json"), "utf8"));
    const coder = settings.modelProviders.openai.find((p: { id: string }) => p.id === "qwen3-coder-next");
    expect(coder.generationConfig.customHeaders).toEqual({ "Modal-Key": "${MODAL_PROXY_TOKEN_ID}", "Modal-Secret": "${MODAL_PROXY_TOKEN_SECRET}", "Modal-Session-ID": "${QCM_SESSION_ID}" });
    // The VLM is a Web Function here: its entry has no session header.
    const vision = settings.modelProviders.openai.find((p: { id: string }) => p.id === "qwen3-vl");
    expect(Object.keys(vision.generationConfig.customHeaders)).toEqual(["Modal-Key", "Modal-Secret"]);

    const qodal = join(home, ".local", "bin", "qodal");
    const ids: string[] = [];
    for (let launch = 0; launch < 2; launch += 1) {
      const mark = router.requests.length;
      const result = await execa(qodal, ["-p", "Say hello."], { cwd: home, env: env(), extendEnv: false, reject: false, timeout: 90_000 });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/stand-in coder on container [01]/);
      const chats = router.requests.slice(mark).filter((r) => r.url === "/v1/chat/completions");
      expect(chats.every((r) => r.headers["user-agent"]?.startsWith("QwenCode/0.24.4"))).toBe(true);
      const id = oneSessionId(chats);
      // The session stays on the container its id hashes to.
      expect(new Set(chats.map((r) => r.container))).toEqual(new Set([router.containerFor(id)]));
      ids.push(id);
    }
    expect(ids[0]).not.toBe(ids[1]);
  }, 240_000);

  it("the claude launcher puts the id in ANTHROPIC_CUSTOM_HEADERS: every /v1/messages request of a launch carries it, a new one per launch", async () => {
    const ids: string[] = [];
    for (let launch = 0; launch < 2; launch += 1) {
      const mark = router.requests.length;
      const result = await execa(process.execPath, [CLI, "claude", "--config", configPath, "--env-file", envFile, "--claude-bin", CLAUDE, "--", "-p", "Say hello."], {
        cwd: home,
        env: env(),
        extendEnv: false,
        stdin: "ignore",
        reject: false,
        timeout: 120_000,
      });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(result.stdout).toMatch(/stand-in coder via messages on container [01]/);
      const messages = router.requests.slice(mark).filter((r) => r.url.startsWith("/v1/messages"));
      expect(messages.every((r) => /^claude-cli\/2\.1\.330/.test(String(r.headers["user-agent"])))).toBe(true);
      ids.push(oneSessionId(messages));
    }
    expect(ids[0]).not.toBe(ids[1]);
  }, 300_000);
});
