/**
 * `edit_image` end to end over real stdio: the MCP SDK Client spawns `node mcp/dist/index.js`, which
 * drives the image-edit endpoint stand-in's job API (tests/stand-ins/image-edit-endpoint.ts) over HTTP.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startImageEditStandIn, STAND_IN_TOKEN, type ImageEditStandIn } from "../../tests/stand-ins/image-edit-endpoint.js";
import { startModalGateway } from "../../tests/stand-ins/modal-gateway.js";
import { trianglesSvg, pngOf } from "./fixtures/images.js";
import { connectServer, textOf, type ServerConnection } from "./fixtures/server-process.js";

let dir: string;
const env = (extra: Record<string, string>) => ({
  // edit_image uses the VLM's proxy tokens; the VLM itself is not called by these tests.
  VLM_ENDPOINT: "http://127.0.0.1:9/v1",
  VLM_MODEL: "unused",
  MODAL_PROXY_TOKEN_ID: STAND_IN_TOKEN.id,
  MODAL_PROXY_TOKEN_SECRET: STAND_IN_TOKEN.secret,
  HOME: dir,
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edit-image-e2e-"));
  await writeFile(join(dir, "scene.png"), await pngOf(trianglesSvg(320, 200, 12, 3)));
  await writeFile(join(dir, "logo.jpg"), await sharp(await pngOf(trianglesSvg(64, 64, 3, 9))).jpeg().toBuffer());
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("edit_image over stdio against the image-edit endpoint stand-in", () => {
  let standIn: ImageEditStandIn;
  let server: ServerConnection;
  beforeAll(async () => {
    standIn = await startImageEditStandIn({ coldStart503: 2, queuedPolls: 2 });
    server = await connectServer(env({ IMAGE_EDIT_ENDPOINT: standIn.url }));
  });
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
  });

  it("is listed with its schema and a non-read-only annotation", async () => {
    const { tools } = await server.client.listTools();
    const tool = tools.find((t) => t.name === "edit_image")!;
    expect(tool).toBeDefined();
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, openWorldHint: true });
    expect(tool.inputSchema.required).toEqual(["image_paths", "prompt"]);
    expect(tool.inputSchema.properties!.image_paths).toMatchObject({ minItems: 1, maxItems: 2 });
    expect(tool.inputSchema.properties!.steps).toMatchObject({ type: "integer", maximum: 100 });
  });

  it("edits two images through a cold start, reports every step as progress, writes a new file and returns a preview", async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const result = await server.client.callTool(
      { name: "edit_image", arguments: { image_paths: [join(dir, "scene.png"), join(dir, "logo.jpg")], prompt: "put the logo on the wall", steps: 4, seed: 11 } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 60_000 },
    );
    expect(result.isError ?? false).toBe(false);
    // Step progress: queued (0), then 1..4 of 4, strictly increasing.
    expect(progress.map((p) => p.progress)).toEqual([0, 1, 2, 3, 4]);
    expect(progress.every((p) => p.total === 4)).toBe(true);
    expect(progress[0].message).toMatch(/queued/);
    const text = textOf(result);
    const path = /written to (\S+) \(320x200 PNG, 4 steps/.exec(text)?.[1];
    expect(path, text).toBeDefined();
    expect(path!.startsWith(join(dir, "scene.edited-"))).toBe(true);
    // The stand-in's "edit" is the first input inverted: the file holds exactly that.
    const original = await sharp(join(dir, "scene.png")).raw().toBuffer();
    const edited = await sharp(await readFile(path!)).raw().toBuffer();
    expect(edited[0]).toBe(255 - original[0]);
    const preview = (result.content as { type: string; data?: string; mimeType?: string }[]).find((c) => c.type === "image")!;
    expect(preview.mimeType).toBe("image/png");
    const meta = await sharp(Buffer.from(preview.data!, "base64")).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(256);
    // Cold-start 503s were retried, the job was polled to the end, then downloaded and deleted.
    expect(standIn.requests.slice(0, 3).map((r) => `${r.method} ${r.status}`)).toEqual(["POST 503", "POST 503", "POST 202"]);
    expect(standIn.requests.filter((r) => r.path.endsWith("/result")).map((r) => r.status)).toEqual([200]);
    expect(standIn.requests.at(-1)).toMatchObject({ method: "DELETE", status: 200 });
    expect(standIn.jobs.size).toBe(0);
    // The input files are untouched; the result is a new file beside them.
    expect((await readdir(dir)).filter((f) => f.startsWith("scene.edited-"))).toHaveLength(1);
  });

  it("refuses three images and an empty prompt before calling the endpoint", async () => {
    const before = standIn.requests.length;
    const three = await server.client.callTool({ name: "edit_image", arguments: { image_paths: ["/a.png", "/b.png", "/c.png"], prompt: "x" } });
    expect(three.isError).toBe(true);
    expect(textOf(three)).toMatch(/at most 2 image paths/);
    const empty = await server.client.callTool({ name: "edit_image", arguments: { image_paths: [join(dir, "scene.png")], prompt: "  " } });
    expect(textOf(empty)).toMatch(/prompt must not be empty/);
    const missing = await server.client.callTool({ name: "edit_image", arguments: { image_paths: [join(dir, "nope.png")], prompt: "x" } });
    expect(textOf(missing)).toMatch(/no file at .*nope\.png/);
    expect(standIn.requests.length).toBe(before);
  });
});

describe("edit_image through the Modal gateway stand-in (tests/stand-ins/modal-gateway.ts)", () => {
  it("follows the 303 a cold start past Modal's request limit answers, with the proxy headers, and the job runs once", async () => {
    const standIn = await startImageEditStandIn({ queuedPolls: 1 });
    // Scaled to zero; the cold start (1.5 s) outlasts the request limit (scaled to 0.4 s): the submit gets a 303.
    const gateway = await startModalGateway({ upstream: standIn.url, proxyToken: { tokenId: STAND_IN_TOKEN.id, tokenSecret: STAND_IN_TOKEN.secret }, coldStartMs: 1_500, requestLimitMs: 400 });
    const server = await connectServer(env({ IMAGE_EDIT_ENDPOINT: gateway.url }));
    try {
      const result = await server.client.callTool(
        { name: "edit_image", arguments: { image_paths: [join(dir, "scene.png")], prompt: "invert it", steps: 2 } },
        undefined,
        { timeout: 60_000 },
      );
      expect(result.isError ?? false, textOf(result)).toBe(false);
      expect(textOf(result)).toMatch(/written to \S+ \(320x200 PNG, 2 steps/);
      expect(gateway.stats.redirects).toBeGreaterThanOrEqual(1);
      expect(gateway.stats.resultGets).toBeGreaterThanOrEqual(1);
      expect(gateway.stats.unauthorized).toBe(0);
      // One job was created (no second submit after the 303), and it was removed at the end.
      expect(standIn.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([202]);
      expect(standIn.jobs.size).toBe(0);
    } finally {
      await server.close();
      await gateway.close();
      await standIn.close();
    }
  });
});

describe("edit_image failures and configuration (image-edit endpoint stand-in)", () => {
  it("reports a job that failed on the endpoint, and wrong proxy tokens, as tool errors naming the fix", async () => {
    const standIn = await startImageEditStandIn({ failWith: "RuntimeError: CUDA out of memory" });
    const server = await connectServer(env({ IMAGE_EDIT_ENDPOINT: standIn.url }));
    const bad = await connectServer(env({ IMAGE_EDIT_ENDPOINT: standIn.url, MODAL_PROXY_TOKEN_SECRET: "wrong-secret" }));
    try {
      const failed = await server.client.callTool({ name: "edit_image", arguments: { image_paths: [join(dir, "scene.png")], prompt: "x", steps: 2 } });
      expect(failed.isError).toBe(true);
      expect(textOf(failed)).toBe("the edit failed on the endpoint: RuntimeError: CUDA out of memory");
      const denied = await bad.client.callTool({ name: "edit_image", arguments: { image_paths: [join(dir, "scene.png")], prompt: "x" } });
      expect(textOf(denied)).toMatch(/HTTP 401: the Modal proxy tokens are wrong or missing/);
      expect(textOf(denied)).not.toContain("wrong-secret");
    } finally {
      await server.close();
      await bad.close();
      await standIn.close();
    }
  });

  it("is offered only when an image-edit deployment is configured: from the endpoint config, or not at all", async () => {
    const standIn = await startImageEditStandIn();
    const configPath = join(dir, "endpoints.json");
    const vlm = { role: "vlm", app: "qcm-vlm", url: "http://127.0.0.1:9", baseUrl: "http://127.0.0.1:9/v1", model: "m", modelId: "o/m", maxModelLen: 32768, maxImagesPerPrompt: 5, toolCalling: false, reasoning: true };
    const base = { version: 1, stack: "dev", proxyAuth: { tokenIdEnv: "MODAL_PROXY_TOKEN_ID", tokenSecretEnv: "MODAL_PROXY_TOKEN_SECRET" }, endpoints: { vlm } };
    const imageEdits = { "image-edit": { role: "image-edit", app: "qcm-image-edit", url: standIn.url, model: "qwen-image-edit", modelId: "Qwen/Qwen-Image-Edit-2511", maxInputImages: 1, defaultSteps: 40, maxSteps: 50 } };
    const noVlmEnv = { VLM_ENDPOINT: "", VLM_MODEL: "", QCM_ENDPOINT_CONFIG: configPath };
    try {
      await writeFile(configPath, JSON.stringify({ ...base, imageEdits }));
      const withEdit = await connectServer(env(noVlmEnv));
      const tool = (await withEdit.client.listTools()).tools.find((t) => t.name === "edit_image");
      expect(tool?.inputSchema.properties!.image_paths).toMatchObject({ maxItems: 1 });
      expect(withEdit.stderr()).toContain(`edit_image on ${standIn.url}`);
      await withEdit.close();
      await writeFile(configPath, JSON.stringify(base));
      const without = await connectServer(env(noVlmEnv));
      expect((await without.client.listTools()).tools.map((t) => t.name)).not.toContain("edit_image");
      expect(without.stderr()).toContain("edit_image not offered");
      await without.close();
    } finally {
      await standIn.close();
    }
  });
});
