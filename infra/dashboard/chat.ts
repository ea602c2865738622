/**
 * The playground's chat with the coder, made server-side so the proxy-auth credentials never reach
 * the page: `POST /v1/chat/completions` with `stream: true` (undici's fetch, which follows Modal's
 * 303 redirect), vLLM's OpenAI chunks read with eventsource-parser and yielded as text and
 * reasoning deltas. It starts a container when the app is scaled to zero: the page says so.
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { fetch } from "undici";
import { z } from "zod";
import type { Endpoint } from "@qwen-code-modal/contract";
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
