/**
 * The server's MCP tools. Their names are a contract: agents are configured with them.
 * - `analyze_image(image_path, prompt)`: one local image file.
 * - `compare_images(image_paths, prompt)`: 2 to the VLM's images-per-request limit (`maxImagesPerPrompt`) of image files in one request.
 * - `analyze_screenshot(prompt)`: capture the screen now and analyze it.
 * Each also takes `include_reasoning` (default false) to append the model's reasoning.
 * @module
 */
import { basename } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { analyzeImages } from "./analyze.js";
import type { ServerConfig } from "./config.js";
import { ToolFailure } from "./errors.js";
import { describePrepared, prepareImage } from "./image-encode.js";
import { readImageFile } from "./image-file.js";
import { log } from "./log.js";
import { captureScreen } from "./screenshot.js";
import type { CallOptions } from "./vlm-client.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const prompt = z
  .string()
  .trim()
  .min(1, "prompt must not be empty: say what to look for, e.g. 'What error does this dialog show?'")
  .describe("What to find out from the image(s): a question or an instruction, e.g. 'List every failing test shown'.");
const includeReasoning = z
  .boolean()
  .default(false)
  .describe("Also return the model's step-by-step reasoning after the answer (longer output). Default false.");
const imagePath = z
  .string()
  .min(1, "image_path must not be empty")
  .describe("Absolute path of a local image file (PNG, JPEG, WebP, GIF, TIFF). Relative paths resolve against the server's working directory.");

/**
 * MCP tool annotations every tool shares (MCP spec, server/tools "ToolAnnotations"): read-only (it
 * changes nothing in the user's environment) and open-world (it calls an outside service, the VLM).
 */
const annotations = { readOnlyHint: true, openWorldHint: true };

/** Turns MCP request extras into endpoint-call options: cancellation and progress notifications. */
function callOptions(extra: Extra): CallOptions {
  const token = extra._meta?.progressToken;
  let last = 0;
  return {
    signal: extra.signal,
    onProgress: token === undefined
      ? undefined
      : (p) => {
          // MCP spec (utilities/progress): progress MUST increase with each notification.
          const progress = Math.max(last + 0.1, Math.round(p.elapsedSeconds * 10) / 10);
          last = progress;
          extra
            .sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, total: p.totalSeconds, message: p.message } })
            .catch((err: Error) => log(`progress notification failed: ${err.message}`));
        },
  };
}

/** Runs a tool body, turning every failure into an `isError` result (never a crash). */
async function asToolResult(tool: string, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  const started = performance.now();
  try {
    const result = await body();
    log(`${tool}: answered in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (err) {
    const message = err instanceof ToolFailure ? err.message : `internal error in vlm-analyzer: ${(err as Error).message}`;
    log(`${tool}: failed after ${((performance.now() - started) / 1000).toFixed(1)} s: ${err instanceof ToolFailure ? message : (err as Error).stack}`);
    return { isError: true, content: [{ type: "text", text: message }] };
  }
}

async function prepareFile(config: ServerConfig, path: string) {
  const file = await readImageFile(path, config.maxImageBytes);
  const image = await prepareImage(file.data, file.path, config.maxImageTokens);
  log(`image ${file.path}: ${describePrepared(image)}`);
  return { path: file.path, image };
}

/** Registers analyze_image, compare_images and analyze_screenshot on `server`. */
export function registerTools(server: McpServer, config: ServerConfig, env: NodeJS.ProcessEnv = process.env): void {
  server.registerTool(
    "analyze_image",
    {
      title: "Analyze an image",
      description:
        "Look at one local image file with a vision-language model (Qwen3-VL) and answer a question about it. " +
        "Use it when the user points at an image, screenshot, diagram, mock-up, chart or photo on disk and you need " +
        "to know what it shows (text in it, UI state, errors, layout, values). For several images at once use " +
        "compare_images; for what is on screen right now use analyze_screenshot.",
      inputSchema: { image_path: imagePath, prompt, include_reasoning: includeReasoning },
      annotations,
    },
    (args, extra) =>
      asToolResult("analyze_image", async () => {
        const { image } = await prepareFile(config, args.image_path);
        return analyzeImages(config, [{ image }], args.prompt, args.include_reasoning, callOptions(extra));
      }),
  );

  server.registerTool(
    "compare_images",
    {
      title: "Compare images",
      description:
        `Look at 2 to ${config.maxImages} local image files together in one request and answer a question that ` +
        "needs all of them: differences between before/after screenshots, a design mock-up against the built UI, " +
        "visual regressions, which image shows X. The model sees them in order, labelled Image 1, Image 2, ...",
      inputSchema: {
        image_paths: z
          .array(imagePath)
          .min(2, "compare_images needs at least 2 image_paths; for a single image use analyze_image")
          .max(config.maxImages, `compare_images takes at most ${config.maxImages} image_paths (the endpoint's per-request limit): split the comparison into several calls`)
          .describe(`Absolute paths of 2 to ${config.maxImages} local image files, in the order to present them.`),
        prompt,
        include_reasoning: includeReasoning,
      },
      annotations,
    },
    (args, extra) =>
      asToolResult("compare_images", async () => {
        const files = await Promise.all(args.image_paths.map((p) => prepareFile(config, p)));
        const labeled = files.map((f, i) => ({ label: `Image ${i + 1} (${basename(f.path)}):`, image: f.image }));
        return analyzeImages(config, labeled, args.prompt, args.include_reasoning, callOptions(extra));
      }),
  );

  server.registerTool(
    "analyze_screenshot",
    {
      title: "Analyze the screen",
      description:
        "Capture the user's whole screen right now and answer a question about what it shows. Use it when the user " +
        "refers to something visible on their screen that is not saved as a file (an open app, a browser page, a " +
        "dialog, an error on screen). Needs a graphical session and screen-capture permission on the user's machine.",
      inputSchema: { prompt, include_reasoning: includeReasoning },
      annotations,
    },
    (args, extra) =>
      asToolResult("analyze_screenshot", async () => {
        const shot = await captureScreen(env, extra.signal);
        const image = await prepareImage(shot.data, `the screenshot taken with ${shot.tool}`, config.maxImageTokens);
        log(`screenshot via ${shot.tool}: ${describePrepared(image)}`);
        return analyzeImages(config, [{ image }], args.prompt, args.include_reasoning, callOptions(extra));
      }),
  );
}
