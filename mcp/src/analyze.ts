/**
 * The shared step of every tool: send prepared images and a prompt to the VLM and turn its answer
 * into MCP tool-result content.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { splitReasoning } from "@qwen-code-modal/contract";
import type { ServerConfig } from "./config.js";
import { ToolFailure } from "./errors.js";
import type { PreparedImage } from "./image-encode.js";
import { createChatCompletion, type CallOptions } from "./vlm-client.js";

/** One image and the label the model sees right before it (e.g. `Image 2 (b.png):`). */
export interface LabeledImage {
  label?: string;
  image: PreparedImage;
}

/**
 * Asks the VLM about the images.
 * @param includeReasoning - append the model's reasoning as a second text content item.
 * @returns a tool result whose first text content is the model's final answer.
 * @throws ToolFailure when the endpoint fails or the model gives no final answer.
 */
export async function analyzeImages(
  config: ServerConfig,
  images: LabeledImage[],
  prompt: string,
  includeReasoning: boolean,
  options: CallOptions,
): Promise<CallToolResult> {
  const parts = images.flatMap(({ label, image }) => [
    ...(label ? [{ type: "text", text: label }] : []),
    { type: "image_url", image_url: { url: image.dataUrl } },
  ]);
  const completion = await createChatCompletion(
    config,
    {
      model: config.model,
      messages: [{ role: "user", content: [...parts, { type: "text", text: prompt }] }],
      max_tokens: config.maxOutputTokens,
    },
    options,
  );
  const { answer, reasoning } = splitReasoning(completion.message);
  if (!answer) {
    const why =
      completion.finishReason === "length"
        ? `the model used its whole output budget of ${config.maxOutputTokens} tokens (VLM_MAX_OUTPUT_TOKENS) ` +
          `before giving a final answer: raise VLM_MAX_OUTPUT_TOKENS or ask a narrower question`
        : "the model returned an empty answer: rephrase the prompt";
    throw new ToolFailure(why);
  }
  const content: CallToolResult["content"] = [{ type: "text", text: answer }];
  if (includeReasoning) content.push({ type: "text", text: `Reasoning:\n${reasoning || "(the model gave none)"}` });
  return { content };
}
