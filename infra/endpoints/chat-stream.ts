/**
 * Reading a streamed OpenAI chat completion (`chat.completion.chunk` events, vLLM's shapes): the
 * text, the reasoning, the tool calls assembled from their deltas, and when the tokens came.
 *
 * vLLM 0.33's tool-call deltas: a first entry `{index, id, type: "function", function: {name}}`,
 * then entries `{index, function: {arguments: <fragment>}}` (`parser/engine/parser_engine.py:959,
 * 989`); reasoning arrives in `delta.reasoning` (or `reasoning_content` before 0.10).
 * @module
 */
import type { TimedEvent } from "./http-stream";

/** A tool call assembled from its deltas. */
export interface StreamedToolCall {
  id: string;
  name: string;
  /** Concatenated argument fragments (JSON text when the parser works). */
  arguments: string;
  /** Argument fragments received: more than one means the arguments were streamed. */
  argumentDeltas: number;
  /** When its last fragment arrived, milliseconds from the request. */
  lastDeltaAt: number;
}

/** What a streamed completion said, and when. Times in milliseconds from the request. */
export interface ChatStreamSummary {
  content: string;
  reasoning: string;
  toolCalls: StreamedToolCall[];
  finishReason?: string;
  /** First event carrying content, reasoning or a tool call: time to first token. */
  firstTokenAt?: number;
  /** Last such event. */
  lastTokenAt?: number;
  /** From the final usage chunk (`stream_options.include_usage`). */
  usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number } | null };
}

interface ChunkDelta {
  content?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
  tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
}

interface Chunk {
  choices?: { delta?: ChunkDelta; finish_reason?: string | null }[];
  usage?: ChatStreamSummary["usage"] | null;
}

/** Markup of Qwen3-Coder's tool-call format; in `content` it means the tool parser missed a call (vLLM #30439, #22975). */
export const TOOL_CALL_MARKUP = /<tool_call>|<function=|<\/function>|<parameter=/;

/**
 * Summarises the events of a streamed chat completion.
 * @throws Error when an event's data is not JSON (other than `[DONE]`).
 */
export function summarizeChatStream(events: readonly TimedEvent[]): ChatStreamSummary {
  const out: ChatStreamSummary = { content: "", reasoning: "", toolCalls: [] };
  const calls: StreamedToolCall[] = [];
  for (const e of events) {
    if (e.data === "[DONE]") continue;
    const chunk = JSON.parse(e.data) as Chunk;
    if (chunk.usage) out.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      const text = d.content ?? "";
      const thought = d.reasoning ?? d.reasoning_content ?? "";
      out.content += text;
      out.reasoning += thought;
      for (const t of d.tool_calls ?? []) {
        const call = (calls[t.index] ??= { id: "", name: "", arguments: "", argumentDeltas: 0, lastDeltaAt: e.at });
        if (t.id) call.id = t.id;
        call.name += t.function?.name ?? "";
        if (t.function?.arguments) {
          call.arguments += t.function.arguments;
          call.argumentDeltas += 1;
        }
        call.lastDeltaAt = e.at;
      }
      if (text || thought || d.tool_calls?.length) {
        out.firstTokenAt ??= e.at;
        out.lastTokenAt = e.at;
      }
      out.finishReason = choice.finish_reason ?? out.finishReason;
    }
  }
  out.toolCalls = calls.filter(Boolean);
  return out;
}
