/**
 * vlm-analyzer through Modal's gateway (Modal gateway stand-in, times scaled down): a cold start
 * longer than the request limit (303 → result URL, followed with the proxy headers), a long answer
 * that streams past the limit, and endpoints that are not there (fast failure, bounded retries).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../../tests/stand-ins/modal-endpoint.js";
import { GLYPHS, pngOf, symbolSvg } from "./fixtures/images.js";
import { connectServer, standInEnv, textOf, type ServerConnection } from "./fixtures/server-process.js";

const DNS_PRELOAD = fileURLToPath(new URL("./fixtures/modal-run-dns.mjs", import.meta.url));
let dir: string;
let image: string;
let endpoint: ModalEndpointStandIn | undefined;
let server: ServerConnection | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-gateway-"));
  image = join(dir, "check.png");
  await writeFile(image, await pngOf(symbolSvg(GLYPHS.check, 96)));
});
afterEach(async () => {
  await server?.close();
  await endpoint?.close();
  server = endpoint = undefined;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

async function analyze(onprogress?: (p: Progress) => void) {
  const started = performance.now();
  const result = await server!.client.callTool(
    { name: "analyze_image", arguments: { image_path: image, prompt: "Is it a check mark?" } },
    undefined,
    { onprogress, timeout: 60_000, resetTimeoutOnProgress: true },
  );
  return { result, seconds: (performance.now() - started) / 1000 };
}

describe("vlm-analyzer through the Modal gateway stand-in", () => {
  it("gets its answer through a cold start longer than the request limit, following the 303s with the proxy headers", async () => {
    endpoint = await startModalEndpointStandIn({}, { coldStartMs: 2_500, requestLimitMs: 600 });
    server = await connectServer(standInEnv(endpoint, { VLM_TIMEOUT: "20" }));
    const progress: Progress[] = [];
    const { result } = await analyze((p) => progress.push(p));
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toMatch(/^stand-in answer: 1 image\(s\)/);
    const { stats } = endpoint.gateway;
    expect(stats.coldStarts).toBe(1);
    expect(stats.redirects).toBeGreaterThanOrEqual(3);
    expect(stats.resultGets).toBe(stats.redirects);
    expect(stats.unauthorized).toBe(0);
    // One call reached vLLM, streamed; the result URL GETs did not start new ones.
    expect(endpoint.completions()).toHaveLength(1);
    expect(endpoint.completions()[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(progress.map((p) => p.message).join("\n")).toMatch(/held by Modal past its 150 s limit .*following the result URL \(303 #1\)/);
  });

  it("streams a long answer past the limit without a 303, and progress shows the tokens arriving", async () => {
    const reasoning = "Looking at the strokes. ".repeat(40);
    endpoint = await startModalEndpointStandIn(
      { respond: () => ({ reasoning, content: "Yes, a check mark.", pieceDelayMs: 40 }) },
      { warm: true, requestLimitMs: 1_000 },
    );
    server = await connectServer(standInEnv(endpoint, { VLM_TIMEOUT: "20" }));
    const progress: Progress[] = [];
    const { result, seconds } = await analyze((p) => progress.push(p));
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toBe("Yes, a check mark.");
    expect(seconds).toBeGreaterThan(3);
    expect(endpoint.gateway.stats.redirects).toBe(0);
    const receiving = progress.map((p) => p.message ?? "").filter((m) => m.startsWith("receiving the answer"));
    expect(receiving.length).toBeGreaterThanOrEqual(1);
    const counts = receiving.map((m) => Number(/(\d+) tokens/.exec(m)![1]));
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("fails at once when a *.modal.run host refuses the connection: not a cold start", async () => {
    const port = await refusedPort();
    server = await connectServer({
      VLM_ENDPOINT: `http://qcm-test--qcm-vlm-serve.modal.run:${port}/v1`,
      VLM_MODEL: "qwen3-vl",
      MODAL_PROXY_TOKEN_ID: "wk-test1",
      MODAL_PROXY_TOKEN_SECRET: "ws-test1",
      VLM_TIMEOUT: "30",
      NODE_OPTIONS: `--import=${DNS_PRELOAD}`,
    });
    const { result, seconds } = await analyze();
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^cannot reach the VLM endpoint http:\/\/qcm-test--qcm-vlm-serve\.modal\.run:\d+\/v1\/chat\/completions: cannot connect to qcm-test--qcm-vlm-serve\.modal\.run:\d+ \(ECONNREFUSED\): not a cold start/,
    );
    expect(seconds).toBeLessThan(3);
  });

  it("fails at once when the host name does not resolve", async () => {
    server = await connectServer({ ...standInEnv({ baseUrl: "http://qcm-missing.invalid/v1", model: "qwen3-vl" }), VLM_TIMEOUT: "30" });
    const { result, seconds } = await analyze();
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cannot resolve qcm-missing\.invalid \((ENOTFOUND|EAI_AGAIN)\): check the URL in the endpoint config/);
    expect(seconds).toBeLessThan(10);
  });

  it("retries a refused local port with a backoff floor (no busy loop) and says nothing accepted the connection", async () => {
    const port = await refusedPort();
    server = await connectServer({ ...standInEnv({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "qwen3-vl" }), VLM_TIMEOUT: "5" });
    const { result, seconds } = await analyze();
    expect(result.isError).toBe(true);
    const text = textOf(result);
    const attempts = Number(/after (\d+) attempt\(s\)/.exec(text)?.[1]);
    // Pauses of at least 1 s in 5 s: at most 5 attempts (the issue saw 327).
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(5);
    expect(text).toMatch(/last: cannot connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Nothing accepted the connection/);
    expect(seconds).toBeLessThan(6);
  });
});
