/**
 * How the server rides out endpoint trouble, over real stdio against the vLLM stand-in's faults:
 * a cold start (503 for a while) with progress notifications, 401, 500, a hang past the timeout,
 * and cancellation by the client.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../../tests/stand-ins/modal-endpoint.js";
import { GLYPHS, pngOf, symbolSvg } from "./fixtures/images.js";
import { connectServer, standInEnv, textOf, type ServerConnection } from "./fixtures/server-process.js";

const SECRET = "stand-in-secret";
let dir: string;
let image: string;
let standIn: ModalEndpointStandIn;
let server: ServerConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-faults-"));
  image = join(dir, "check.png");
  await writeFile(image, await pngOf(symbolSvg(GLYPHS.check, 96)));
  standIn = await startModalEndpointStandIn();
  server = await connectServer(standInEnv(standIn, { VLM_TIMEOUT: "4" }));
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => standIn.setFault(null));

const args = { image_path: "", prompt: "Is it a check mark?" };

describe("endpoint faults, against the vLLM stand-in behind the Modal gateway stand-in", () => {
  it("waits out a cold start (503 for 2.5 s), retrying with backoff and sending progress notifications", async () => {
    standIn.setFault({ status: 503, forMs: 2500 });
    const progress: Progress[] = [];
    const first = standIn.requests.length;
    const started = performance.now();
    const result = await server.client.callTool(
      { name: "analyze_image", arguments: { ...args, image_path: image } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 30_000 },
    );
    const seconds = (performance.now() - started) / 1000;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^stand-in answer: 1 image\(s\)/);
    expect(seconds).toBeGreaterThan(2.4);
    const statuses = standIn.requests.slice(first).map((r) => r.status);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1).every((s) => s === 503)).toBe(true);
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ total: 4, message: expect.stringContaining("last: HTTP 503") });
    for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);
  });

  it("says the proxy tokens are wrong or missing on 401, without the secret", async () => {
    standIn.setFault({ status: 401, body: `bad token ${SECRET}`, requests: 1 });
    const result = await server.client.callTool({ name: "analyze_image", arguments: { ...args, image_path: image } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^the VLM endpoint answered HTTP 401: the Modal proxy tokens are wrong or missing\. Set MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET/);
    expect(textOf(result)).not.toContain(SECRET);
  });

  it("gives status and a short body excerpt on 500, with any echoed secret redacted", async () => {
    standIn.setFault({ status: 500, body: `Internal Server Error: CUDA out of memory (header was ${SECRET})\n${"x".repeat(1000)}`, requests: 1 });
    const result = await server.client.callTool({ name: "analyze_image", arguments: { ...args, image_path: image } });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/^the VLM endpoint answered HTTP 500: Internal Server Error: CUDA out of memory \(header was \[redacted\]\) x+…$/);
    expect(text.length).toBeLessThan(400);
    expect(text).not.toContain(SECRET);
    expect(server.stderr()).not.toContain(SECRET);
  });

  it("gives up on a hanging endpoint at VLM_TIMEOUT (4 s) with a timeout message", async () => {
    standIn.setFault({ hang: true });
    const started = performance.now();
    const result = await server.client.callTool({ name: "analyze_image", arguments: { ...args, image_path: image } });
    const seconds = (performance.now() - started) / 1000;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^no answer from the VLM endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions within 4 s \(VLM_TIMEOUT\) after 1 attempt\(s\); last: no answer yet\./);
    expect(seconds).toBeGreaterThan(3.9);
    expect(seconds).toBeLessThan(6);
  });

  it("stops a call the client cancels, and keeps serving other calls", async () => {
    standIn.setFault({ hang: true, requests: 1 });
    const controller = new AbortController();
    const pending = server.client.callTool({ name: "analyze_image", arguments: { ...args, image_path: image } }, undefined, {
      signal: controller.signal,
    });
    // Cancel once the hanging request reached the stand-in.
    const before = standIn.requests.length;
    while (standIn.requests.length === before) await new Promise((r) => setTimeout(r, 20));
    controller.abort("user pressed escape");
    await expect(pending).rejects.toThrow(/user pressed escape|abort/i);
    await expect.poll(() => server.stderr(), { timeout: 3000 }).toMatch(/analyze_image: failed after \d+\.\d s: cancelled after/);
    const next = await server.client.callTool({ name: "analyze_image", arguments: { ...args, image_path: image } });
    expect(next.isError).toBeFalsy();
  });
});
