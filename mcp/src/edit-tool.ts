/**
 * `edit_image(image_paths, prompt, steps?, seed?)`: edits 1-2 local images with the self-hosted
 * Qwen-Image-Edit deployment through its job API. Progress notifications follow the denoising
 * steps; the result is written next to the first input as a new file (never over an existing one)
 * and returned as its path plus a small preview.
 * @module
 */
import { writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import sharp from "sharp";
import { z } from "zod";
import type { ServerConfig } from "./config.js";
import { ToolFailure } from "./errors.js";
import { ImageEditClient, type EditJob } from "./image-edit-client.js";
import type { ImageEditConfig } from "./image-edit-config.js";
import { readImageFile } from "./image-file.js";
import { log } from "./log.js";

/** Longest side of the preview returned with the result, pixels. */
export const PREVIEW_SIDE = 256;

/** Where the result of editing `firstInput` goes: `<stem>.edited-<job id prefix>.png` beside it. */
export function resultPathFor(firstInput: string, jobId: string): string {
  const stem = basename(firstInput, extname(firstInput));
  return join(dirname(firstInput), `${stem}.edited-${jobId.slice(0, 8)}.png`);
}

/** Registers `edit_image` on `server` for the configured image-edit deployment. */
export function registerEditTool(server: McpServer, config: ServerConfig, edit: ImageEditConfig): void {
  server.registerTool(
    "edit_image",
    {
      title: "Edit an image",
      description:
        `Edit 1 to ${edit.maxInputImages} local images with a self-hosted Qwen-Image-Edit model, following an instruction ` +
        "('replace the sky with a sunset', 'put the logo from image 2 on the mug in image 1', 'change the button text to Save'). " +
        "Writes the result as a new PNG next to the first input and returns its path and a small preview. " +
        `An edit takes about a minute at the default ${edit.defaultSteps} steps (more when the model starts from zero); ` +
        "progress is reported per step.",
      inputSchema: {
        image_paths: z
          .array(z.string().min(1, "image paths must not be empty"))
          .min(1, "edit_image needs at least 1 image path")
          .max(edit.maxInputImages, `edit_image takes at most ${edit.maxInputImages} image paths (the deployment's limit)`)
          .describe(`Absolute paths of 1 to ${edit.maxInputImages} local image files; the result is written next to the first.`),
        prompt: z.string().trim().min(1, "prompt must not be empty: say what to change").describe("The edit instruction."),
        steps: z
          .number()
          .int()
          .min(1)
          .max(edit.maxSteps)
          .optional()
          .describe(`Denoising steps (default ${edit.defaultSteps}); fewer is faster and rougher.`),
        seed: z.number().int().min(0).optional().describe("Random seed, for a reproducible result."),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra): Promise<CallToolResult> => {
      const started = performance.now();
      const deadline = AbortSignal.timeout(edit.timeoutSeconds * 1000);
      const signal = AbortSignal.any([extra.signal, deadline]);
      const client = new ImageEditClient(edit, config, signal);
      const token = extra._meta?.progressToken;
      let lastProgress = -1;
      const progress = (value: number, total: number, message: string) => {
        // MCP spec (utilities/progress): progress MUST increase with each notification.
        if (token === undefined || value <= lastProgress) return;
        lastProgress = value;
        extra
          .sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: value, total, message } })
          .catch((err: Error) => log(`progress notification failed: ${err.message}`));
      };
      let jobId: string | undefined;
      try {
        const files = await Promise.all(args.image_paths.map((p) => readImageFile(p, config.maxImageBytes)));
        const submitted = await client.submit({
          prompt: args.prompt,
          images: files.map((f) => f.data.toString("base64")),
          ...(args.steps === undefined ? {} : { steps: args.steps }),
          ...(args.seed === undefined ? {} : { seed: args.seed }),
        });
        jobId = submitted.id;
        log(`edit_image: job ${jobId} queued (${submitted.steps} steps)`);
        progress(0, submitted.steps, `job ${jobId} queued (the GPU container may be starting)`);
        const done: EditJob = await client.wait(jobId, (job) => {
          if (job.status !== "queued") progress(job.step, job.steps, `step ${job.step} of ${job.steps}`);
        });
        if (done.status === "failed") throw new ToolFailure(`the edit failed on the endpoint: ${done.error ?? "no reason given"}`);
        const png = await client.result(jobId);
        const target = resultPathFor(files[0].path, jobId);
        await writeFile(target, png, { flag: "wx" });
        await client.remove(jobId);
        const meta = await sharp(png).metadata();
        const preview = await sharp(png).resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: "inside" }).png().toBuffer();
        const seconds = (performance.now() - started) / 1000;
        log(`edit_image: job ${jobId} written to ${target} in ${seconds.toFixed(1)} s`);
        return {
          content: [
            { type: "text", text: `Edited image written to ${target} (${meta.width}x${meta.height} PNG, ${done.steps} steps, ${seconds.toFixed(0)} s).` },
            { type: "image", data: preview.toString("base64"), mimeType: "image/png" },
          ],
        };
      } catch (err) {
        let message = err instanceof ToolFailure ? err.message : `internal error in edit_image: ${(err as Error).message}`;
        if (extra.signal.aborted) message = `cancelled${jobId ? ` (job ${jobId} may still run on the endpoint and expires on its own)` : ""}`;
        else if (deadline.aborted) message = `no result within ${edit.timeoutSeconds} s (IMAGE_EDIT_TIMEOUT)${jobId ? `; job ${jobId} may still finish on the endpoint` : ""}`;
        log(`edit_image: failed: ${message}`);
        return { isError: true, content: [{ type: "text", text: message }] };
      }
    },
  );
}
