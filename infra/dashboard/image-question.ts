/**
 * The playground's image question, asked through the project's own `vlm-analyzer` MCP server, the
 * way a coding agent asks it: the server is started over stdio (the entry `install` registers,
 * infra/clients/mcp-entry) on first use and kept for the dashboard's life; the dropped image is
 * written to a private temporary file and passed to its `analyze_image` tool. So the image is
 * prepared (sharp, visual-token budget) and sent (cold-start retries, Modal's redirects) exactly
 * as vlm-analyzer does, and the proxy credentials stay in the two server processes.
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS, VLM_ANALYZER_ENV, type Endpoint } from "@qwen-code-modal/contract";
import type { ProxyCredentials } from "../endpoints/credentials";
import { buildServerEntry } from "../clients/mcp-entry";

/** Largest image accepted from the page, bytes (vlm-analyzer's own default limit is larger). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

/** The VLM's answer. */
export interface VlmAnswer {
  answer: string;
  reasoning?: string;
}

/** One vlm-analyzer server for one VLM deployment. */
export class ImageQuestions {
  private client?: Promise<Client>;

  /**
   * @param env - PATH and HOME for the server process (besides its own variables).
   */
  constructor(
    private readonly endpoint: Endpoint,
    private readonly credentials: ProxyCredentials,
    private readonly env: { PATH?: string; HOME?: string },
  ) {}

  private connect(): Promise<Client> {
    this.client ??= (async () => {
      const entry = buildServerEntry({ endpoint: { baseUrl: this.endpoint.baseUrl, model: this.endpoint.model } });
      // The registered entry holds ${VAR} references an agent expands; here the values go straight
      // into the child's environment (never onto a command line or into a file).
      const env: Record<string, string> = {
        ...Object.fromEntries(Object.entries(this.env).filter((e): e is [string, string] => e[1] !== undefined)),
        ...entry.env,
        [VLM_ANALYZER_ENV.tokenId]: this.credentials.tokenId,
        [VLM_ANALYZER_ENV.tokenSecret]: this.credentials.tokenSecret,
      };
      const client = new Client({ name: "qwen-code-modal-dashboard", version: "0.1.0" });
      await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env, stderr: "ignore" }));
      return client;
    })();
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  /**
   * Asks one question about one image (any format sharp reads).
   * @throws Error with vlm-analyzer's message (not an image, endpoint refused, timed out, no answer); never the credentials.
   */
  async ask(image: Buffer, question: string, signal: AbortSignal): Promise<VlmAnswer> {
    if (image.length > MAX_IMAGE_BYTES) throw new Error(`the image is ${image.length} bytes; the limit is ${MAX_IMAGE_BYTES}`);
    const client = await this.connect();
    const dir = await mkdtemp(join(tmpdir(), "qcm-dashboard-image-"));
    try {
      const path = join(dir, "dropped-image");
      await writeFile(path, image, { mode: 0o600 });
      const result = await client.callTool(
        { name: "analyze_image", arguments: { image_path: path, prompt: question, include_reasoning: true } },
        undefined,
        { signal, timeout: (VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS + 30) * 1000, resetTimeoutOnProgress: true },
      );
      const texts = (result.content as { type: string; text?: string }[]).map((c) => (c.type === "text" ? (c.text ?? "") : ""));
      if (result.isError) throw new Error(texts.join(" ") || "vlm-analyzer reported an error");
      return { answer: texts[0] ?? "", reasoning: texts[1]?.replace(/^Reasoning:\n/, "") };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Stops the server process. */
  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    await client?.close();
  }
}
