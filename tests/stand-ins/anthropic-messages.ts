/**
 * Anthropic Messages API routes (`POST /v1/messages`, `POST /v1/messages/count_tokens`) for the
 * vLLM endpoint stand-in, the way vLLM 0.33.0 serves them to Claude Code
 * (`vllm/entrypoints/anthropic/serving.py`, `api_router.py`):
 * - a text answer, whole or as server-sent events: message_start, content_block_start,
 *   content_block_delta (`text_delta`), content_block_stop, message_delta, message_stop (event order
 *   from docs.anthropic.com "Streaming Messages"; vLLM serving.py:1031-1058);
 * - when the request offers tools and the route has a `toolInput`, a `tool_use` answer instead:
 *   content_block_start with `{type: "tool_use", id, name, input: {}}`, the input as
 *   `input_json_delta` parts (`partial_json`), content_block_stop, message_delta with
 *   `stop_reason: "tool_use"` (serving.py:1140-1230);
 * - `count_tokens`: `{input_tokens, context_management: {original_input_tokens}}`
 *   (serving.py:1249-1280), here counted as 4 characters a token.
 * @module
 */
import type { StandInRoute } from "./vllm-endpoint.js";

interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: { name: string }[];
  messages?: { role: string; content: unknown }[];
  system?: unknown;
}

/** Options of {@link anthropicMessagesRoute}. */
export interface MessagesRouteOptions {
  /** Answer offered tools with a call to one of them (`toolName`, default the first), with this input. */
  toolInput?: object;
  /** Which offered tool to call (e.g. Claude Code's `Read`). */
  toolName?: string;
}

/** Whether the last message carries a `tool_result` block (the client ran the tool): then answer in text. */
function afterToolResult(body: MessagesBody): boolean {
  const content = body.messages?.at(-1)?.content;
  return Array.isArray(content) && content.some((b) => (b as { type?: string }).type === "tool_result");
}

/** The `/v1/messages` route; every request is recorded by the stand-in core. */
export function anthropicMessagesRoute(answer = "stand-in answer from /v1/messages", options: MessagesRouteOptions = {}): StandInRoute {
  return {
    method: "POST",
    path: "/v1/messages",
    handle: ({ res, record, json }) => {
      const body = record.body as MessagesBody | undefined;
      if (!body?.model) return json(400, { type: "error", error: { type: "invalid_request_error", message: "model: Field required" } });
      const usage = { input_tokens: 12, output_tokens: 6 };
      const offered = options.toolName ? body.tools?.find((t) => t.name === options.toolName) : body.tools?.[0];
      const tool = options.toolInput && !afterToolResult(body) && offered;
      const toolUse = tool ? { type: "tool_use", id: "chatcmpl-tool-standin-anthropic", name: tool.name, input: options.toolInput } : undefined;
      if (!body.stream) {
        return json(200, {
          id: "msg_standin",
          type: "message",
          role: "assistant",
          model: body.model,
          content: [toolUse ?? { type: "text", text: answer }],
          stop_reason: toolUse ? "tool_use" : "end_turn",
          stop_sequence: null,
          usage,
        });
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      event("message_start", {
        message: { id: "msg_standin", type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      });
      if (toolUse) {
        event("content_block_start", { index: 0, content_block: { ...toolUse, input: {} } });
        const text = JSON.stringify(options.toolInput);
        for (let i = 0; i < text.length; i += 8) event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: text.slice(i, i + 8) } });
      } else {
        event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
        event("content_block_delta", { index: 0, delta: { type: "text_delta", text: answer } });
      }
      event("content_block_stop", { index: 0 });
      event("message_delta", { delta: { stop_reason: toolUse ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
      event("message_stop", {});
      res.end();
    },
  };
}

/** The `/v1/messages/count_tokens` route. */
export function anthropicCountTokensRoute(): StandInRoute {
  return {
    method: "POST",
    path: "/v1/messages/count_tokens",
    handle: ({ record, json }) => {
      const body = record.body as MessagesBody | undefined;
      if (!body?.model || !Array.isArray(body.messages)) {
        return json(400, { type: "error", error: { type: "invalid_request_error", message: "model and messages are required" } });
      }
      const input = Math.ceil(JSON.stringify([body.system ?? "", body.tools ?? [], body.messages]).length / 4);
      json(200, { input_tokens: input, context_management: { original_input_tokens: input } });
    },
  };
}
