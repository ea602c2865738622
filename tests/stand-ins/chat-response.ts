/**
 * Response writing for the vLLM endpoint stand-in: an OpenAI chat completion, whole or as
 * server-sent events, the way vLLM's OpenAI-compatible server sends them.
 *
 * Reasoning placement follows vLLM: with `--reasoning-parser` the thinking goes in the message's
 * `reasoning_content` (older vLLM) or `reasoning` (vLLM ≥ 0.10) field; without a parser, Qwen3
 * Thinking models leave it in `content` ending with `</think>`.
 * @module
 */
import type { ServerResponse } from "node:http";

/** Where a reply's reasoning goes (see the module comment). */
export type ReasoningStyle = "reasoning_content" | "reasoning" | "think-tags" | "none";

/** A tool call in a reply (for coder routes). */
export interface ReplyToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments. */
  arguments: string;
}

/** What the model "says". */
export interface ChatReply {
  content: string;
  /** Thinking text, placed per {@link ReasoningStyle}. */
  reasoning?: string;
  toolCalls?: ReplyToolCall[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: "stop" | "length" | "tool_calls";
  /** Token usage to report; default: rough counts from text length. */
  usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } };
  /**
   * Generation time per streamed piece (~3 tokens), milliseconds; default 0. A streamed answer
   * sends its headers at once and a piece every `pieceDelayMs` (as vLLM streams); a whole answer
   * is sent after the time all its pieces take.
   */
  pieceDelayMs?: number;
  /** Time before the first token of a streamed answer (prefill), milliseconds; default 0. */
  firstTokenDelayMs?: number;
  /**
   * A streamed answer that breaks after `afterChunks` chunks: `error` sends what vLLM 0.33.0 sends
   * when the stream generator raises (an IndexError in a tool parser, vLLM #34322): one
   * `data: {"error": {message, type, param, code}}` event, then `data: [DONE]`
   * (entrypoints/openai/chat_completion/serving.py:503-507; ErrorResponse/ErrorInfo in
   * entrypoints/serve/engine/protocol.py:79-87; type and code of an unclassified exception from
   * entrypoints/serve/exception_handling/error_response.py); `silent` stops sending and keeps the
   * connection open (noonghunna/club-3090#72).
   */
  streamFault?: { afterChunks: number; kind: "error" | "silent"; message?: string };
}

interface Placed {
  content: string | null;
  extra: Record<string, string>;
}

function place(reply: ChatReply, style: ReasoningStyle): Placed {
  if (!reply.reasoning || style === "none") return { content: reply.content, extra: {} };
  if (style === "think-tags") return { content: `<think>\n${reply.reasoning}\n</think>\n\n${reply.content}`, extra: {} };
  return { content: reply.content, extra: { [style]: reply.reasoning } };
}

function toolCallsJson(calls: ReplyToolCall[]) {
  return calls.map((c, index) => ({
    index,
    id: c.id,
    type: "function" as const,
    function: { name: c.name, arguments: c.arguments },
  }));
}

function usageOf(reply: ChatReply, promptChars: number) {
  const u = reply.usage ?? {
    prompt_tokens: Math.ceil(promptChars / 4),
    completion_tokens: Math.ceil(((reply.reasoning ?? "").length + reply.content.length) / 4),
  };
  return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
}

/** Common fields of every completion object. */
interface CompletionMeta {
  id: string;
  model: string;
  /** Seconds since the epoch. */
  created: number;
  /** Characters of the prompt, for default usage counts. */
  promptChars: number;
}

const pause = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Sends a non-streamed `chat.completion` JSON body (after the generation time, see {@link ChatReply.pieceDelayMs}). */
export async function sendCompletion(res: ServerResponse, reply: ChatReply, style: ReasoningStyle, meta: CompletionMeta): Promise<void> {
  const { content, extra } = place(reply, style);
  const texts = [...Object.values(extra), content ?? ""];
  await pause((reply.pieceDelayMs ?? 0) * texts.reduce((n, t) => n + pieces(t).length, 0));
  const calls = reply.toolCalls?.length ? toolCallsJson(reply.toolCalls) : undefined;
  const body = {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: calls && !content ? null : content, ...extra, tool_calls: calls ?? [] },
        finish_reason: reply.finishReason ?? (calls ? "tool_calls" : "stop"),
        logprobs: null,
      },
    ],
    usage: usageOf(reply, meta.promptChars),
  };
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Splits text into small chunks, as a model streams tokens. */
function pieces(text: string, size = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * Streams a reply as `chat.completion.chunk` server-sent events ending with `data: [DONE]`:
 * a role delta, reasoning deltas, content deltas, tool-call deltas, a finish chunk, and a usage
 * chunk when `includeUsage`. Tool calls stream the way vLLM 0.33's tool parsers send them
 * (`vllm/parser/engine/parser_engine.py:959, 989`): first `{index, id, type: "function",
 * function: {name}}`, then `{index, function: {arguments: <fragment>}}` per fragment.
 */
export async function streamCompletion(
  res: ServerResponse,
  reply: ChatReply,
  style: ReasoningStyle,
  meta: CompletionMeta,
  includeUsage: boolean,
): Promise<void> {
  const delay = reply.pieceDelayMs ?? 0;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let sent = 0;
  const fault = reply.streamFault;
  const chunk = (delta: object, finish: string | null = null) => {
    if (fault && sent >= fault.afterChunks) {
      if (sent++ === fault.afterChunks && fault.kind === "error") {
        const error = { error: { message: fault.message ?? "list index out of range", type: "InternalServerError", param: null, code: 500 } };
        res.end(`data: ${JSON.stringify(error)}\n\ndata: [DONE]\n\n`);
      }
      return;
    }
    sent += 1;
    res.write(
      `data: ${JSON.stringify({
        id: meta.id,
        object: "chat.completion.chunk",
        created: meta.created,
        model: meta.model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      })}\n\n`,
    );
  };
  await pause(reply.firstTokenDelayMs ?? 0);
  chunk({ role: "assistant", content: "" });
  const { content, extra } = place(reply, style);
  for (const [key, text] of Object.entries(extra)) {
    for (const p of pieces(text)) {
      await pause(delay);
      chunk({ [key]: p });
    }
  }
  for (const p of pieces(content ?? "")) {
    await pause(delay);
    chunk({ content: p });
  }
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name } }] });
    for (const p of pieces(call.arguments)) {
      await pause(delay);
      chunk({ tool_calls: [{ index, function: { arguments: p } }] });
    }
  }
  chunk({}, reply.finishReason ?? (reply.toolCalls?.length ? "tool_calls" : "stop"));
  // A fault fired: the error event ended the stream, or it stays silent until the client gives up.
  if (fault && sent > fault.afterChunks) return;
  if (includeUsage) {
    res.write(
      `data: ${JSON.stringify({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage: usageOf(reply, meta.promptChars) })}\n\n`,
    );
  }
  res.end("data: [DONE]\n\n");
}
