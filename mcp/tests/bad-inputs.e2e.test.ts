/**
 * Bad tool inputs over real stdio: each comes back as an `isError` result whose message names the
 * path or field and the fix, and the vLLM stand-in is never called for them.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../../tests/stand-ins/modal-endpoint.js";
import { blackPng, GLYPHS, pngOf, symbolSvg, trianglesSvg } from "./fixtures/images.js";
import { connectServer, SERVER_ENTRY, standInEnv, textOf, type ServerConnection } from "./fixtures/server-process.js";

let dir: string;
let standIn: ModalEndpointStandIn;
let server: ServerConnection;
let star: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-bad-"));
  star = join(dir, "star.png");
  await writeFile(star, await pngOf(symbolSvg(GLYPHS.star, 64)));
  standIn = await startModalEndpointStandIn();
  // 200 KB byte limit so that a generated image can exceed it.
  server = await connectServer(standInEnv(standIn, { VLM_MAX_IMAGE_BYTES: String(200 * 1024) }));
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

async function failure(name: string, args: Record<string, unknown>): Promise<string> {
  const before = standIn.requests.length;
  const result = await server.client.callTool({ name, arguments: args });
  expect(result.isError).toBe(true);
  expect(standIn.requests.length).toBe(before);
  return textOf(result);
}

describe("bad inputs to vlm-analyzer over stdio (vLLM stand-in behind the Modal gateway stand-in, never called)", () => {
  it("a missing file names the absolute path", async () => {
    const path = join(dir, "nope.png");
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(`no file at ${path}: check the path`);
  });

  it("a relative path explains it was resolved against the server's working directory", async () => {
    const message = await failure("analyze_image", { image_path: "shots/missing.png", prompt: "x" });
    expect(message).toMatch(/^no file at \/.*\/shots\/missing\.png \("shots\/missing\.png" is relative, so it was resolved against the server's working directory \/.*pass an absolute path\): check the path$/);
  });

  it("a directory says to pass one image file", async () => {
    expect(await failure("analyze_image", { image_path: dir, prompt: "x" })).toBe(
      `${dir} is a directory, not an image file: pass the path of one image file`,
    );
  });

  it("a text file named .png is not an image, whatever its name says", async () => {
    const path = join(dir, "notes.png");
    await writeFile(path, "just some text, not pixels\n");
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(
      `${path} is not an image (its content is not PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG, whatever its name says)`,
    );
  });

  it("a BMP file is named as such, with the conversion to make", async () => {
    const path = join(dir, "old.bmp");
    // A BMP header ("BM" + sizes) followed by pixel bytes: sharp's prebuilt libvips has no BMP loader.
    await writeFile(path, Buffer.concat([Buffer.from("BM"), Buffer.alloc(60, 1)]));
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(
      `${path} is a BMP file, which this server's image library (sharp) cannot decode: convert it to PNG or JPEG first`,
    );
  });

  it("an empty file is named as empty", async () => {
    const path = join(dir, "empty.png");
    await writeFile(path, "");
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(`${path} is empty (0 bytes), not an image`);
  });

  it("a file over the byte limit gives its size, the limit and the variable to raise", async () => {
    const path = join(dir, "big.png");
    await writeFile(path, await pngOf(trianglesSvg(1600, 1200, 400, 9)));
    const message = await failure("analyze_image", { image_path: path, prompt: "x" });
    expect(message).toMatch(new RegExp(`^${path.replace(/[.]/g, "\\.")} is \\d+\\.\\d (KB|MB), over the 200\\.0 KB limit: downscale or crop it first, or raise VLM_MAX_IMAGE_BYTES`));
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable file says permission denied (skipped as root, who reads everything)", async () => {
    const path = join(dir, "secret.png");
    await writeFile(path, await pngOf(symbolSvg(GLYPHS.cross, 32)));
    await chmod(path, 0o000);
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(
      `cannot read ${path}: permission denied; make it readable by the user running vlm-analyzer`,
    );
  });

  it("an image with an aspect ratio of 200 or more is refused with the fix", async () => {
    const path = join(dir, "strip.png");
    await writeFile(path, await pngOf(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="10"><rect width="2000" height="10" fill="red"/></svg>`)));
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(
      `${path} is 2000x10 px: the model rejects images whose long side is 200+ times the short side; crop it`,
    );
  });

  it("a 20000x20000 PNG is named as over the pixel limit with its size, not as 'not an image'", async () => {
    const path = join(dir, "huge.png");
    await writeFile(path, blackPng(20000, 20000));
    expect(await failure("analyze_image", { image_path: path, prompt: "x" })).toBe(
      `${path} is 20000x20000 px (400 megapixels), over the 268 megapixels this server decodes ` +
        "(it would need gigabytes of memory, and the model sees at most about 1.3 megapixels of it): downscale or crop it first",
    );
  });

  it("compare_images with 1 image points to analyze_image", async () => {
    const message = await failure("compare_images", { image_paths: [star], prompt: "x" });
    expect(message).toContain("compare_images needs at least 2 image_paths; for a single image use analyze_image");
  });

  it("compare_images with 6 images names the limit of 5", async () => {
    const message = await failure("compare_images", { image_paths: Array(6).fill(star), prompt: "x" });
    expect(message).toContain("compare_images takes at most 5 image_paths (the endpoint's per-request limit)");
  });

  it("compare_images' limit is the VLM's images per request (VLM_MAX_IMAGES / the endpoint config's maxImagesPerPrompt), not a fixed 5", async () => {
    const three = await connectServer(standInEnv(standIn, { VLM_MAX_IMAGES: "3" }));
    try {
      const before = standIn.requests.length;
      const result = await three.client.callTool({ name: "compare_images", arguments: { image_paths: Array(4).fill(star), prompt: "x" } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain("compare_images takes at most 3 image_paths (the endpoint's per-request limit)");
      expect(standIn.requests.length).toBe(before);
      const { tools } = await three.client.listTools();
      expect(tools.find((t) => t.name === "compare_images")!.inputSchema.properties!.image_paths).toMatchObject({ minItems: 2, maxItems: 3 });
    } finally {
      await three.close();
    }
  });

  it("compare_images names the one bad path among good ones", async () => {
    const bad = join(dir, "missing-2.png");
    expect(await failure("compare_images", { image_paths: [star, bad], prompt: "x" })).toBe(`no file at ${bad}: check the path`);
  });

  it("an empty prompt says what to write", async () => {
    const message = await failure("analyze_image", { image_path: star, prompt: "   " });
    expect(message).toContain("prompt must not be empty");
  });

  it("a missing argument names the field", async () => {
    const message = await failure("analyze_image", { prompt: "x" });
    expect(message).toMatch(/Input validation error.*image_path/s);
  });
});

describe("start-up configuration errors", () => {
  it("the server exits 1 naming every missing setting, without a secret, when nothing is configured", async () => {
    const home = join(dir, "home");
    await mkdir(home, { recursive: true });
    const run = await execa(process.execPath, [SERVER_ENTRY], {
      env: { HOME: home, PATH: process.env.PATH!, MODAL_PROXY_TOKEN_SECRET: "s3cr3t-value" },
      extendEnv: false,
      reject: false,
      input: "",
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("vlm-analyzer is not configured: missing: set VLM_ENDPOINT");
    expect(run.stderr).toContain("missing: set VLM_MODEL");
    expect(run.stderr).toContain("missing: set MODAL_PROXY_TOKEN_ID");
    expect(run.stderr).toContain(`no fallback from the endpoint config: endpoint config ${home}/.config/qwen-code-modal/endpoints.json does not exist`);
    expect(run.stderr).not.toContain("s3cr3t-value");
  });
});
