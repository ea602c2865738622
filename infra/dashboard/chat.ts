/**
 * The playground's chat with the coder, made server-side so the proxy-auth credentials never reach
 * the page: `POST /v1/chat/completions` with `stream: true` through endpoints/http-stream (which
 * follows Modal's 303 to the result URL), each `chat.completion.chunk` passed on as text and
 * reasoning deltas as it arrives. It starts a container when the app is scaled to zero: the page
 * says so before sending.
 * @module
 */
import { z } from "zod";
import type { Endpoint } from "@qwen-code-modal/contract";
import { proxyAuthHeaders, type ProxyCredentials } from "../endpoints/credentials";
import { describeOutcome } from "../endpoints/http";
import { httpStream } from "../endpoints/http-stream";
import { redact } from "@qwen-code-modal/contract";

/** Most characters one chat message may have, and most messages one request may carry. */
const MAX_MESSAGE_CHARS = 200_000;
const MAX_MESSAGES = 200;

/** Limit for one answer, cold start included: 600 s (as vlm-analyzer's default). */
const CHAT_TIMEOUT_MS = 600_000;

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
export interface ChatDelta {
  content?: string;
  reasoning?: string;
}

/** How the answer ended. */
export interface ChatEnd {
  finish: string | null;
  completionTokens?: number;
}

interface Chunk {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number } | null;
}

/**
 * Streams a chat answer from an endpoint, calling `onDelta` as pieces arrive.
 * @throws Error `HTTP <status>: <body excerpt>` (redacted) when the endpoint refuses, or why no answer came.
 */
export async function streamChat(
  endpoint: Endpoint,
  credentials: ProxyCredentials,
  request: ChatRequest,
  signal: AbortSignal,
  onDelta: (delta: ChatDelta) => void,
): Promise<ChatEnd> {
  const end: ChatEnd = { finish: null };
  const outcome = await httpStream(
    `${endpoint.baseUrl}/chat/completions`,
    {
      method: "POST",
      headers: proxyAuthHeaders(credentials),
      json: { model: endpoint.model, messages: request.messages, stream: true, stream_options: { include_usage: true }, max_tokens: request.maxTokens },
      timeoutMs: CHAT_TIMEOUT_MS,
      signal,
    },
    (event) => {
      if (event.data === "[DONE]") return;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(event.data) as Chunk;
      } catch {
        return;
      }
      end.completionTokens = chunk.usage?.completion_tokens ?? end.completionTokens;
      for (const choice of chunk.choices ?? []) {
        const content = choice.delta?.content || undefined;
        const reasoning = choice.delta?.reasoning_content || choice.delta?.reasoning || undefined;
        if (content || reasoning) onDelta({ ...(content ? { content } : {}), ...(reasoning ? { reasoning } : {}) });
        end.finish = choice.finish_reason ?? end.finish;
      }
    },
  );
  if (outcome.status === undefined || outcome.status < 200 || outcome.status >= 300) {
    const body = redact(outcome.text, [credentials.tokenId, credentials.tokenSecret]).replace(/\s+/g, " ").trim().slice(0, 300);
    throw new Error(outcome.status === undefined ? describeOutcome(outcome) : `HTTP ${outcome.status}: ${body || "(empty body)"}`);
  }
  return end;
}
