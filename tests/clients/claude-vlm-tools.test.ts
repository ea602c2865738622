import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { installInHome } from "../support/install-in-home";
import { anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";

const TOKEN_ID = "ck-standin-vlmtools-id";
const TOKEN_SECRET = "cs-standin-vlmtools-secret";
const ROOT = projectRoot();
const CLI = join(ROOT, "dist", "infra", "cli", "main.js");

type Block = { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean };

describe("claude launcher --allow-vlm-tools: headless `claude -p` (real Claude Code 2.1.330) may call vlm-analyzer's read-only tools (Modal gateway stand-ins)", () => {
  let home: string;
  let coder: ModalEndpointStandIn;
  let vlm: ModalEndpointStandIn;
  let configPath: string;
  let envFile: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-claude-vlm-"));
    const image = join(home, "red.png");
    await writeFile(image, await sharp({ create: { width: 64, height: 48, channels: 3, background: "red" } }).png().toBuffer());
    const auth = { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET };
    // The coder's model asks for analyze_image on the file, then answers in text once it has the result.
    coder = await startModalEndpointStandIn({
      model: "qwen3-coder-next",
      proxyAuth: auth,
      routes: [anthropicMessagesRoute("Done looking.", { toolName: "mcp__vlm-analyzer__analyze_image", toolInput: { image_path: image, prompt: "What colour?" } })],
    });
    vlm = await startModalEndpointStandIn({ model: "qwen3-vl", proxyAuth: auth });
    configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder, vlm });
    envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\n`);
    await installInHome(home, configPath, envFile);
  }, 120_000);
  afterAll(async () => {
    await coder.close();
    await vlm.close();
  });

  /** Runs `claude -p` through the launcher; returns the tool_result block Claude Code sent back. */
  async function run(own: string[]) {
    const before = coder.requests.length;
    const result = await execa(
      process.execPath,
      [CLI, "claude", "--config", configPath, "--env-file", envFile, "--claude-bin", join(ROOT, "node_modules", ".bin", "claude"), ...own, "--", "-p", "What colour is red.png?"],
      { cwd: home, env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }, extendEnv: false, stdin: "ignore", reject: false, timeout: 120_000 },
    );
    const sent = coder.requests.slice(before).filter((r) => r.path === "/v1/messages" && r.status === 200);
    const blocks = sent.flatMap((r) => ((r.body as { messages: { content: unknown }[] }).messages ?? []).flatMap((m) => (Array.isArray(m.content) ? (m.content as Block[]) : [])));
    return { result, toolResult: blocks.find((b) => b.type === "tool_result") };
  }

  it("without it, Claude Code refuses the tool in -p mode (nobody approved it)", async () => {
    const vlmBefore = vlm.completions().length;
    const { result, toolResult } = await run([]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(toolResult, "no tool_result sent").toBeDefined();
    expect(toolResult!.is_error).toBe(true);
    expect(JSON.stringify(toolResult!.content)).toMatch(/permission|approve|allow/i);
    expect(vlm.completions().length).toBe(vlmBefore);
  });

  it("with it, Claude Code runs analyze_image through vlm-analyzer and the VLM, and returns the answer as the tool_result", async () => {
    const { result, toolResult } = await run(["--allow-vlm-tools"]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain("Done looking.");
    expect(toolResult, "no tool_result sent").toBeDefined();
    expect(toolResult!.is_error).toBeFalsy();
    expect(JSON.stringify(toolResult!.content)).toMatch(/stand-in answer: 1 image\(s\) \[(png|webp) 64x48\] for prompt: What colour\?/);
    expect(vlm.gateway.stats.unauthorized).toBe(0);
  });
});
