/**
 * The playground's two calls, made server-side so the proxy-auth credentials never reach the page:
 * - a streamed chat with the coder (`POST /v1/chat/completions`, `stream: true`; vLLM's OpenAI
 *   chunks read with eventsource-parser), yielded as text and reasoning deltas;
 * - an image question to the VLM, through the vlm-analyzer's own image preparation (sharp, visual
 *   token budget) and client (retries through a cold start, Modal's redirects).
 * Either call starts a container when the app is scaled to zero: the page says so before sending.
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { fetch } from "undici";
import { z } from "zod";
import { analyzeImages } from "vlm-analyzer/analyze";
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS, DEFAULT_TIMEOUT_SECONDS } from "vlm-analyzer/config";
import type { Endpoint } from "vlm-analyzer/endpoint-config";
import { prepareImage } from "vlm-analyzer/image-encode";
import type { ProxyCredentials } from "../clients/credentials";
import { proxyAuthHeaders } from "../clients/credentials";
import { redact } from "../provider/redact";

/** Most characters one chat message may have, and most messages one request may carry. */
const MAX_MESSAGE_CHARS = 200_000;
const MAX_MESSAGES = 200;

/** A chat request from the page. */
export const chatRequestSchema = z.object({
  /** Deployment name; default: the coder. */
  deployment: z.string().min(1).optional(),
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string().min(1).max(MAX_MESSAGE_CHARS) }))
    .min(1)
    .max(MAX_MESSAGES),
  /** Tokens the answer may use. */
  maxTokens: z.number().int().positive().max(32_768).default(2048),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** One piece of a streamed answer. */
export type ChatDelta = { content?: string; reasoning?: string } | { finish: string | null; completionTokens?: number };

interface Chunk {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number } | null;
}

/**
 * Streams a chat answer from an endpoint.
 * @throws Error `HTTP <status>: <body excerpt>` (redacted) when the endpoint refuses; network errors as undici reports them.
 */
export async function* streamChat(
  endpoint: Endpoint,
  credentials: ProxyCredentials,
  request: ChatRequest,
  signal: AbortSignal,
): AsyncGenerator<ChatDelta> {
  const res = await fetch(`${endpoint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { ...proxyAuthHeaders(credentials), "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({
      model: endpoint.model,
      messages: request.messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: request.maxTokens,
    }),
    signal,
  });
  if (res.status !== 200 || !res.body) {
    const text = redact(await res.text().catch(() => ""), [credentials.tokenId, credentials.tokenSecret]);
    throw new Error(`HTTP ${res.status}: ${text.replace(/\s+/g, " ").trim().slice(0, 300) || "(empty body)"}`);
  }
  let finish: string | null = null;
  let completionTokens: number | undefined;
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const event of events) {
    if (event.data === "[DONE]") break;
    const chunk = JSON.parse(event.data) as Chunk;
    completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    for (const choice of chunk.choices ?? []) {
      const content = choice.delta?.content ?? undefined;
      const reasoning = choice.delta?.reasoning_content ?? choice.delta?.reasoning ?? undefined;
      if (content || reasoning) yield { ...(content ? { content } : {}), ...(reasoning ? { reasoning } : {}) };
      finish = choice.finish_reason ?? finish;
    }
  }
  yield { finish, completionTokens };
}

/** The VLM's answer to an image question. */
export interface VlmAnswer {
  answer: string;
  reasoning?: string;
  /** What was sent: pixels, bytes, visual tokens. */
  sent: { width: number; height: number; bytes: number; visualTokens: number };
}

/**
 * Asks the VLM one question about one image (any format sharp reads), as vlm-analyzer would.
 * @throws Error (vlm-analyzer's ToolFailure) with a message for the user: not an image, endpoint
 * refused, timed out after {@link DEFAULT_TIMEOUT_SECONDS} s, no answer. Never contains the credentials.
 */
export async function askVlm(endpoint: Endpoint, credentials: ProxyCredentials, image: Buffer, question: string, signal: AbortSignal): Promise<VlmAnswer> {
  if (image.length > DEFAULT_MAX_IMAGE_BYTES) throw new Error(`the image is ${image.length} bytes; the limit is ${DEFAULT_MAX_IMAGE_BYTES}`);
  const prepared = await prepareImage(image, "the dropped image", DEFAULT_MAX_IMAGE_TOKENS);
  const config = {
    baseUrl: endpoint.baseUrl,
    model: endpoint.model,
    tokenId: credentials.tokenId,
    tokenSecret: credentials.tokenSecret,
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    maxImageTokens: DEFAULT_MAX_IMAGE_TOKENS,
    maxImageBytes: DEFAULT_MAX_IMAGE_BYTES,
    maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
  };
  const result = await analyzeImages(config, [{ image: prepared }], question, true, { signal });
  const texts = result.content.map((c) => (c.type === "text" ? c.text : ""));
  const { width, height, bytes, visualTokens } = prepared.sent;
  return { answer: texts[0], reasoning: texts[1]?.replace(/^Reasoning:\n/, ""), sent: { width, height, bytes, visualTokens } };
}
