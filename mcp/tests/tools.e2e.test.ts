/**
 * End to end over real stdio: the MCP SDK Client spawns `node mcp/dist/index.js`, which calls the
 * local vLLM endpoint stand-in (tests/stand-ins) over HTTP.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../../tests/stand-ins/modal-endpoint.js";
import { colourBlocksSvg, GLYPHS, pngOf, screenshotLikePng, SUITS, symbolSvg, trianglesSvg } from "./fixtures/images.js";
import { connectServer, standInEnv, textOf, type ServerConnection } from "./fixtures/server-process.js";

let dir: string;
let standIn: ModalEndpointStandIn;
let server: ServerConnection;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-e2e-"));
  const write = async (name: string, data: Buffer) => {
    files[name] = join(dir, name);
    await writeFile(files[name], data);
  };
  const triangles = trianglesSvg(640, 480, 40, 1);
  await write("triangles.png", await pngOf(triangles));
  await write("triangles.jpg", await sharp(triangles).jpeg().toBuffer());
  await write("triangles.webp", await sharp(triangles).webp().toBuffer());
  await write("triangles.tiff", await sharp(triangles).tiff().toBuffer());
  await write("blocks.gif", await sharp(colourBlocksSvg(8, 6, 40, 2)).gif().toBuffer());
  for (const [name, shape] of Object.entries(SUITS)) await write(`suit-${name}.png`, await pngOf(symbolSvg(shape, 256)));
  for (const [name, shape] of Object.entries(GLYPHS)) await write(`glyph-${name}.png`, await pngOf(symbolSvg(shape, 128)));
  await write("screen-4k.png", await screenshotLikePng());
  // The stand-in enforces the server's default budget: an image over 1,280 visual tokens is a 400.
  standIn = await startModalEndpointStandIn({ maxVisualTokensPerImage: 1280 });
  server = await connectServer(standInEnv(standIn));
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("vlm-analyzer tools over stdio against the vLLM stand-in (behind the Modal gateway stand-in)", () => {
  it("lists the three tools with titles, annotations and input schemas", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["analyze_image", "analyze_screenshot", "compare_images"]);
    for (const tool of tools) {
      expect(tool.title).toBeTruthy();
      expect(tool.description!.length).toBeGreaterThan(100);
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true });
      expect(tool.inputSchema.properties).toHaveProperty("prompt");
      expect(tool.inputSchema.properties).toHaveProperty("include_reasoning");
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema]));
    expect(byName.analyze_image.required).toEqual(["image_path", "prompt"]);
    expect(byName.compare_images.properties!.image_paths).toMatchObject({ type: "array", minItems: 2, maxItems: 5 });
    expect(byName.analyze_screenshot.required).toEqual(["prompt"]);
  });

  it.each(["triangles.png", "triangles.jpg", "triangles.webp", "triangles.tiff", "blocks.gif"])(
    "analyze_image reads %s by content and sends it against the vLLM stand-in",
    async (name) => {
      const before = standIn.completions().length;
      const result = await server.client.callTool({ name: "analyze_image", arguments: { image_path: files[name], prompt: "What shapes?" } });
      expect(result.isError).toBeFalsy();
      const size = name === "blocks.gif" ? "320x240" : "640x480";
      expect(textOf(result)).toMatch(new RegExp(`^stand-in answer: 1 image\\(s\\) \\[(png|jpeg|webp) ${size}\\] for prompt: What shapes\\?$`));
      expect(standIn.completions().length).toBe(before + 1);
    },
  );

  it("keeps the Thinking model's reasoning out of the answer unless include_reasoning is set", async () => {
    const plain = await server.client.callTool({ name: "analyze_image", arguments: { image_path: files["suit-heart.png"], prompt: "Which suit?" } });
    expect(plain.content).toHaveLength(1);
    expect(textOf(plain)).not.toContain("The user asks");
    const withReasoning = await server.client.callTool({
      name: "analyze_image",
      arguments: { image_path: files["suit-heart.png"], prompt: "Which suit?", include_reasoning: true },
    });
    const content = withReasoning.content as { text: string }[];
    expect(content).toHaveLength(2);
    expect(content[0].text).toBe(textOf(plain));
    expect(content[1].text).toBe("Reasoning:\nThe user asks: Which suit?. I look at 1 image(s).");
  });

  it("resizes a 3840x2160 screenshot to at most 1,280 visual tokens, keeping the aspect ratio", async () => {
    const result = await server.client.callTool({ name: "analyze_image", arguments: { image_path: files["screen-4k.png"], prompt: "Describe" } });
    expect(result.isError).toBeFalsy();
    const [image] = standIn.completions().at(-1)!.images;
    expect(image.visualTokens).toBeLessThanOrEqual(1280);
    expect(image.visualTokens).toBeGreaterThan(1200);
    expect(image.width / image.height).toBeCloseTo(3840 / 2160, 2);
    expect(image.bytes).toBeLessThan(400_000);
  });

  it("compare_images sends 2 to 5 images in order, labelled, in one request", async () => {
    const paths = ["suit-club", "suit-diamond", "suit-heart", "suit-spade", "glyph-star"].map((n) => files[`${n}.png`]);
    const result = await server.client.callTool({ name: "compare_images", arguments: { image_paths: paths, prompt: "Which differ?" } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^stand-in answer: 5 image\(s\)/);
    const body = standIn.completions().at(-1)!.body as { messages: { content: { type: string; text?: string }[] }[] };
    const texts = body.messages[0].content.filter((p) => p.type === "text").map((p) => p.text);
    expect(texts).toEqual([
      "Image 1 (suit-club.png):",
      "Image 2 (suit-diamond.png):",
      "Image 3 (suit-heart.png):",
      "Image 4 (suit-spade.png):",
      "Image 5 (glyph-star.png):",
      "Which differ?",
    ]);
  });

  it("answers 20 concurrent calls, each against the vLLM stand-in", async () => {
    const glyphs = Object.keys(GLYPHS);
    const before = standIn.completions().length;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.client.callTool({
          name: "analyze_image",
          arguments: { image_path: files[`glyph-${glyphs[i % glyphs.length]}.png`], prompt: `call ${i}` },
        }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.isError).toBeFalsy();
      expect(textOf(r)).toMatch(new RegExp(`for prompt: call ${i}$`));
    });
    expect(standIn.completions().length).toBe(before + 20);
  });
});

describe("analyze_screenshot with a stand-in capture tool on PATH", () => {
  let bin: string;
  let shot: string;
  beforeAll(async () => {
    bin = join(dir, "bin");
    shot = join(dir, "generated-screen.png");
    await writeFile(shot, await pngOf(trianglesSvg(1920, 1080, 60, 3)));
    await mkdir(bin);
    // Stand-in for grim (Wayland) and maim (X11): copies the generated PNG to the path given last.
    for (const tool of ["grim", "maim"]) {
      await writeFile(join(bin, tool), `#!/bin/sh\nfor last; do :; done\n/bin/cp "${shot}" "$last"\necho "${tool}" > "${dir}/used-tool"\n`);
      await chmod(join(bin, tool), 0o755);
    }
  });

  async function screenshotWith(env: Record<string, string>) {
    const conn = await connectServer(standInEnv(standIn, env));
    try {
      const result = await conn.client.callTool({ name: "analyze_screenshot", arguments: { prompt: "What is on screen?" } });
      return { result, stderr: conn.stderr() };
    } finally {
      await conn.close();
    }
  }

  it("uses grim in a Wayland session (XDG_SESSION_TYPE=wayland), even with DISPLAY set", async () => {
    const { result } = await screenshotWith({ PATH: `${bin}:${dirname(process.execPath)}`, XDG_SESSION_TYPE: "wayland", DISPLAY: ":0" });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^stand-in answer: 1 image\(s\) \[(webp|png) \d+x\d+\] for prompt: What is on screen\?$/);
    expect((await readFile(join(dir, "used-tool"), "utf8")).trim()).toBe("grim");
    const [image] = standIn.completions().at(-1)!.images;
    expect(image.width / image.height).toBeCloseTo(1920 / 1080, 2);
  });

  it("uses maim in an X11 session", async () => {
    const { result } = await screenshotWith({ PATH: `${bin}:${dirname(process.execPath)}`, XDG_SESSION_TYPE: "x11", DISPLAY: ":0" });
    expect(result.isError).toBeFalsy();
    expect((await readFile(join(dir, "used-tool"), "utf8")).trim()).toBe("maim");
  });

  it("says which tools to install when none is on PATH", async () => {
    const { result } = await screenshotWith({ PATH: join(dir, "empty-path"), XDG_SESSION_TYPE: "wayland" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "no screen capture tool found on PATH for this wayland session: install one of grim (wlroots compositors: Sway, Hyprland, river), gnome-screenshot (GNOME), spectacle (KDE Plasma)",
    );
  });

  it("reports a failing capture tool's error and the permission hint", async () => {
    const failing = join(dir, "failing-bin");
    await mkdir(failing, { recursive: true });
    await writeFile(join(failing, "grim"), "#!/bin/sh\necho 'compositor doesn'\"'\"'t support wlr-screencopy-unstable-v1' >&2\nexit 1\n");
    await chmod(join(failing, "grim"), 0o755);
    const { result } = await screenshotWith({ PATH: failing, XDG_SESSION_TYPE: "wayland" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("screen capture with grim failed (exit code 1: compositor doesn't support wlr-screencopy-unstable-v1)");
    expect(textOf(result)).toContain("On Wayland the compositor must allow capture");
  });

  it("says there is no graphical session when none is set", async () => {
    const { result } = await screenshotWith({ PATH: bin });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^no graphical session to capture/);
  });
});
