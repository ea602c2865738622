import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const TOKEN_ID = "ck-standin-loop-id";
const TOKEN_SECRET = "cs-standin-loop-secret";
const ROOT = projectRoot();
const MARKER = "MAGIC-c1a0";

type Block = { type: string; tool_use_id?: string; content?: unknown; id?: string; name?: string; input?: unknown };

describe("the real Claude Code 2.1.330 runs a tool_use streamed in vLLM's /v1/messages shape (vLLM stand-in) and sends the tool_result back", () => {
  let home: string;
  let coder: VllmStandIn;
  let file: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-claude-loop-"));
    file = join(home, "notes.txt");
    await writeFile(file, `${MARKER}\n`);
    coder = await startVllmStandIn({
      model: "qwen3-coder-next",
      proxyAuth: { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET },
      routes: [anthropicMessagesRoute("I read the file.", { toolName: "Read", toolInput: { file_path: file } })],
    });
    const configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder });
    await writeFile(join(home, "project.env"), `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\n`);
  });
  afterAll(() => coder.close());

  it("calls Read with the streamed input_json_delta parts and returns the file as a tool_result", async () => {
    const cli = join(ROOT, "dist", "infra", "cli", "main.js");
    const result = await execa(
      process.execPath,
      [cli, "claude", "--config", join(home, "endpoints.json"), "--env-file", join(home, "project.env"), "--claude-bin", join(ROOT, "node_modules", ".bin", "claude"), "--", "-p", "What does notes.txt say?"],
      { cwd: home, env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }, extendEnv: false, stdin: "ignore", reject: false, timeout: 120_000 },
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain("I read the file.");
    const sent = coder.requests.filter((r) => r.path === "/v1/messages" && r.status === 200).map((r) => r.body as { messages: { role: string; content: unknown }[] });
    const withResult = sent.find((b) => JSON.stringify(b.messages.at(-1)).includes("tool_result"));
    expect(withResult, "no request carried a tool_result").toBeDefined();
    const blocks = withResult!.messages.flatMap((m) => (Array.isArray(m.content) ? (m.content as Block[]) : []));
    const use = blocks.find((b) => b.type === "tool_use")!;
    expect(use).toMatchObject({ id: "chatcmpl-tool-standin-anthropic", name: "Read", input: { file_path: file } });
    const toolResult = blocks.find((b) => b.type === "tool_result")!;
    expect(toolResult.tool_use_id).toBe("chatcmpl-tool-standin-anthropic");
    expect(JSON.stringify(toolResult.content)).toContain(MARKER);
  });
});
