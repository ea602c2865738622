import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEndpointContext } from "../../infra/endpoints/context";
import { install } from "../../infra/clients/install";
import { projectRoot } from "../../infra/core/paths";
import type { ChatReply } from "../stand-ins/chat-response";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startVllmStandIn, type ChatContext, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const TOKEN_ID = "wk-standin-loop-id";
const TOKEN_SECRET = "ws-standin-loop-secret";
const QWEN = join(projectRoot(), "node_modules", ".bin", "qwen");
const MARKER = "MAGIC-7f3a";

/**
 * A model that calls qwen-code's `read_file` tool once (arguments built from the tool's own JSON
 * schema: its first required string property gets the file's absolute path), streamed in vLLM's
 * tool-call delta shape, then answers from the tool result it gets back.
 */
function readThenAnswer(file: string) {
  return ({ request }: ChatContext): ChatReply => {
    const last = request.messages.at(-1)!;
    if (last.role === "tool") {
      const text = typeof last.content === "string" ? last.content : JSON.stringify(last.content);
      return { content: text.includes(MARKER) ? `The file says ${MARKER}.` : "The tool result did not arrive." };
    }
    const tool = request.tools?.find((t) => t.function.name === "read_file");
    if (!tool) return { content: "no read_file tool was offered" };
    const schema = tool.function.parameters as { required?: string[]; properties?: Record<string, { type?: string }> };
    const key = (schema.required ?? []).find((k) => schema.properties?.[k]?.type === "string") ?? "file_path";
    return { content: "", toolCalls: [{ id: "chatcmpl-tool-loop1", name: "read_file", arguments: JSON.stringify({ [key]: file }) }] };
  };
}

describe("the real qwen-code 0.24.4 runs a tool call streamed in vLLM's delta shape (vLLM stand-in) and sends the result back", () => {
  let home: string;
  let coder: VllmStandIn;
  let qodal: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-loop-"));
    const file = join(home, "notes.txt");
    await writeFile(file, `${MARKER}\n`);
    coder = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET }, respond: readThenAnswer(file) });
    const configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder });
    const envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\n`);
    const settingsPath = join(home, ".qwen", "settings.json");
    qodal = join(home, ".local", "bin", "qodal");
    await install(await loadEndpointContext({ config: configPath, "env-file": envFile }), { settingsPath, qodalPath: qodal, qwenBin: QWEN, configPath }, () => {});
  });
  afterAll(() => coder.close());

  it("calls read_file with the streamed arguments and answers from its result", async () => {
    const result = await execa(qodal, ["-p", "What does notes.txt say? Read it."], {
      cwd: home,
      env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    expect(result.exitCode, `${result.stderr}\n${JSON.stringify(coder.requests.map((r) => [r.path, r.status]))}`).toBe(0);
    expect(result.stdout).toContain(`The file says ${MARKER}.`);
    const [first, second] = coder.completions();
    expect((first.body as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
    type Msg = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
    const messages = (second.body as { messages: Msg[] }).messages;
    const call = messages.find((m) => m.role === "assistant")!.tool_calls![0];
    expect(call).toMatchObject({ id: "chatcmpl-tool-loop1", function: { name: "read_file" } });
    expect(Object.values(JSON.parse(call.function.arguments))).toContain(join(home, "notes.txt"));
    const toolResult = messages.find((m) => m.role === "tool")!;
    expect(toolResult.tool_call_id).toBe("chatcmpl-tool-loop1");
    expect(JSON.stringify(toolResult.content)).toContain(MARKER);
  });
});
