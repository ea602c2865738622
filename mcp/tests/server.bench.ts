/**
 * `vitest bench`: what the vlm-analyzer server adds per call over calling the vLLM stand-in
 * directly (stdio round trip, file read, decode/resize/encode, JSON), and how many bytes a
 * 3840×2160 screenshot-like image costs before and after the client-side resize.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, bench, describe } from "vitest";
import { startVllmStandIn } from "../../tests/stand-ins/vllm-endpoint.js";
import { DEFAULT_MAX_IMAGE_TOKENS } from "../src/config.js";
import { prepareImage } from "../src/image-encode.js";
import { GLYPHS, pngOf, screenshotLikePng, symbolSvg } from "./fixtures/images.js";
import { connectServer, standInEnv } from "./fixtures/server-process.js";

const dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-bench-"));
const standIn = await startVllmStandIn({ maxVisualTokensPerImage: DEFAULT_MAX_IMAGE_TOKENS });
const server = await connectServer(standInEnv(standIn));

const glyphPng = await pngOf(symbolSvg(GLYPHS.star, 256));
const screenPng = await screenshotLikePng(3840, 2160);
const images = {
  glyph: { path: join(dir, "star.png"), prepared: await prepareImage(glyphPng, "star", DEFAULT_MAX_IMAGE_TOKENS) },
  screen: { path: join(dir, "screen-4k.png"), prepared: await prepareImage(screenPng, "screen", DEFAULT_MAX_IMAGE_TOKENS) },
};
await writeFile(images.glyph.path, glyphPng);
await writeFile(images.screen.path, screenPng);

const timings: Record<string, number[]> = {};
async function timed(name: string, fn: () => Promise<unknown>) {
  const t = performance.now();
  await fn();
  (timings[name] ??= []).push(performance.now() - t);
}

/** A direct OpenAI chat-completions call to the stand-in with an already prepared image. */
async function direct(dataUrl: string) {
  const res = await request(`${standIn.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "Modal-Key": "stand-in-id", "Modal-Secret": "stand-in-secret" },
    body: JSON.stringify({
      model: standIn.model,
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: dataUrl } }, { type: "text", text: "Describe" }] }],
      max_tokens: 8192,
    }),
  });
  if (res.statusCode !== 200) throw new Error(`stand-in answered ${res.statusCode}: ${await res.body.text()}`);
  await res.body.json();
}

async function viaServer(path: string) {
  const result = await server.client.callTool({ name: "analyze_image", arguments: { image_path: path, prompt: "Describe" } });
  if (result.isError) throw new Error(JSON.stringify(result.content));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

afterAll(async () => {
  for (const kind of ["glyph", "screen"] as const) {
    const d = median(timings[`direct-${kind}`] ?? [NaN]);
    const s = median(timings[`server-${kind}`] ?? [NaN]);
    console.log(`[bench] ${kind}: direct HTTP median ${d.toFixed(2)} ms, via vlm-analyzer median ${s.toFixed(2)} ms, added ${(s - d).toFixed(2)} ms per call`);
  }
  const p = images.screen.prepared;
  console.log(
    `[bench] 3840x2160 screenshot-like PNG: ${screenPng.length} bytes before; sent ${p.sent.mime} ${p.sent.width}x${p.sent.height} ` +
      `${p.sent.bytes} bytes (${p.dataUrl.length} bytes as a data URL), ${p.sent.visualTokens} visual tokens; ` +
      `${(screenPng.length / p.sent.bytes).toFixed(1)}x smaller`,
  );
  await server.close();
  await standIn.close();
  await rm(dir, { recursive: true, force: true });
});

describe("added latency per call over a direct HTTP call to the vLLM stand-in", () => {
  bench("direct HTTP, 256x256 glyph", () => timed("direct-glyph", () => direct(images.glyph.prepared.dataUrl)), { iterations: 50 });
  bench("via vlm-analyzer stdio, 256x256 glyph", () => timed("server-glyph", () => viaServer(images.glyph.path)), { iterations: 50 });
  bench("direct HTTP, 4K screenshot pre-resized", () => timed("direct-screen", () => direct(images.screen.prepared.dataUrl)), { iterations: 10 });
  bench("via vlm-analyzer stdio, 4K screenshot (resized per call)", () => timed("server-screen", () => viaServer(images.screen.path)), { iterations: 10 });
});
