/**
 * vlm-analyzer and a VLM deployed as a Modal Server (`serving: "server"` in the endpoint config): it
 * sends one `Modal-Session-ID` on every request, the launcher's `QCM_SESSION_ID` when it inherits
 * one, else its own per start; with a Web Function VLM it sends none. A stand-in test: the Modal
 * Server router stand-in in front of one vLLM stand-in; the ids are read off the router's request log.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeStandInEndpointConfig } from "../../tests/stand-ins/endpoint-config-file.js";
import { startModalServerRouter, type ModalServerRouterStandIn } from "../../tests/stand-ins/modal-gateway.js";
import { startVllmStandIn, type VllmStandIn } from "../../tests/stand-ins/vllm-endpoint.js";
import { GLYPHS, pngOf, symbolSvg } from "./fixtures/images.js";
import { connectServer, textOf } from "./fixtures/server-process.js";

const AUTH = { tokenId: "wk-vlm-sessions", tokenSecret: "ws-vlm-sessions" };
let dir: string;
let image: string;
let vlm: VllmStandIn;
let router: ModalServerRouterStandIn;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-session-"));
  image = join(dir, "check.png");
  await writeFile(image, await pngOf(symbolSvg(GLYPHS.check, 96)));
  vlm = await startVllmStandIn({ model: "qwen3-vl", proxyAuth: false });
  router = await startModalServerRouter({ upstreams: [vlm.url], proxyToken: AUTH });
});
afterAll(async () => {
  await router.close();
  await vlm.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts vlm-analyzer on the endpoint config `config`, analyzes the image twice, and returns the session ids the router saw. */
async function sessionIdsOfOneStart(config: string, extra: Record<string, string> = {}): Promise<(string | undefined)[]> {
  const mark = router.requests.length;
  const server = await connectServer({ QCM_ENDPOINT_CONFIG: config, MODAL_PROXY_TOKEN_ID: AUTH.tokenId, MODAL_PROXY_TOKEN_SECRET: AUTH.tokenSecret, VLM_TIMEOUT: "30", ...extra });
  try {
    for (let i = 0; i < 2; i += 1) {
      const result = await server.client.callTool({ name: "analyze_image", arguments: { image_path: image, prompt: "Is it a check mark?" } });
      expect(result.isError, textOf(result)).toBeFalsy();
    }
  } finally {
    await server.close();
  }
  return router.requests.slice(mark).filter((r) => r.url === "/v1/chat/completions").map((r) => r.sessionId);
}

describe("vlm-analyzer sends a stable Modal-Session-ID to a Modal Server VLM", () => {
  it("one id per start on every request, a new one at the next start; the launcher's QCM_SESSION_ID when inherited", async () => {
    const config = join(dir, "server.json");
    await writeStandInEndpointConfig(config, { vlm: { model: "qwen3-vl", url: router.url, baseUrl: router.baseUrl } }, ["vlm"]);
    const first = await sessionIdsOfOneStart(config);
    const second = await sessionIdsOfOneStart(config);
    expect(first).toHaveLength(2);
    expect(new Set(first).size).toBe(1);
    expect(first[0]).toMatch(/^qcm-[0-9a-f-]{36}$/);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    const inherited = await sessionIdsOfOneStart(config, { QCM_SESSION_ID: "qcm-from-the-launcher" });
    expect(inherited).toEqual(["qcm-from-the-launcher", "qcm-from-the-launcher"]);
  });

  it("a Web Function VLM (no serving in the endpoint config): no session header", async () => {
    const config = join(dir, "web.json");
    await writeStandInEndpointConfig(config, { vlm: { model: "qwen3-vl", url: router.url, baseUrl: router.baseUrl } });
    expect(await sessionIdsOfOneStart(config, { QCM_SESSION_ID: "qcm-from-the-launcher" })).toEqual([undefined, undefined]);
  });
});
