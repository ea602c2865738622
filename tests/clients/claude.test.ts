import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEndpointContext } from "../../infra/endpoints/context";
import { install } from "../../infra/clients/install";
import { projectRoot } from "../../infra/core/paths";
import { anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const TOKEN_ID = "ck-standin-claude-id";
const TOKEN_SECRET = "cs-standin-claude-secret";
const ROOT = projectRoot();

interface MessagesBody {
  model: string;
  tools?: { name: string }[];
}

describe("the claude launcher runs the real Claude Code 2.1.330 (`claude -p`) against a vLLM stand-in's /v1/messages", () => {
  let home: string;
  let coder: VllmStandIn;
  let vlm: VllmStandIn;
  let result: Awaited<ReturnType<typeof execa>>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-claude-"));
    const auth = { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET };
    coder = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: auth, routes: [anthropicMessagesRoute("stand-in coder via messages")] });
    vlm = await startVllmStandIn({ model: "qwen3-vl", proxyAuth: auth });
    const configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder, vlm });
    const envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\n`);
    const context = await loadEndpointContext({ config: configPath, "env-file": envFile });
    await install(
      context,
      {
        settingsPath: join(home, ".qwen", "settings.json"),
        claudeConfigDir: home,
        claudeBin: join(ROOT, "node_modules", ".bin", "claude"),
        qodalPath: join(home, ".local", "bin", "qodal"),
        qwenBin: join(ROOT, "node_modules", ".bin", "qwen"),
        configPath,
      },
      () => {},
    );
    const cli = join(ROOT, "dist", "infra", "cli", "main.js");
    const claudeBin = join(ROOT, "node_modules", ".bin", "claude");
    result = await execa(
      process.execPath,
      [cli, "claude", "--config", configPath, "--env-file", envFile, "--claude-bin", claudeBin, "--", "-p", "Say hello."],
      {
        cwd: home,
        // A real Anthropic key in the caller's environment must not reach the endpoint.
        env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ANTHROPIC_API_KEY: "sk-ant-must-not-be-sent" },
        extendEnv: false,
        stdin: "ignore",
        reject: false,
        timeout: 120_000,
      },
    );
  }, 180_000);
  afterAll(async () => {
    await coder.close();
    await vlm.close();
  });

  const messages = () => coder.requests.filter((r) => r.path === "/v1/messages" && r.status === 200);

  it("answers through the stand-in", () => {
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain("stand-in coder via messages");
  });

  it("sends the proxy headers, the placeholder token and the coder's model name", () => {
    const sent = messages();
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.headers["modal-key"]).toBe(TOKEN_ID);
      expect(r.headers["modal-secret"]).toBe(TOKEN_SECRET);
      expect(r.headers["authorization"]).toBe("Bearer modal-proxy-auth");
      expect(r.headers["x-api-key"]).toBeUndefined();
      expect((r.body as MessagesBody).model).toBe("qwen3-coder-next");
    }
  });

  it("offers vlm-analyzer's tools directly, not deferred behind ToolSearch", () => {
    const main = messages().find((r) => (r.body as MessagesBody).tools?.some((t) => t.name === "Bash"));
    expect(main, "no request carried the agent's tools").toBeDefined();
    const names = (main!.body as MessagesBody).tools!.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["mcp__vlm-analyzer__analyze_image", "mcp__vlm-analyzer__compare_images"]));
    expect(names).not.toContain("ToolSearch");
  });
});
