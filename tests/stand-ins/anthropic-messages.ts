/**
 * An Anthropic Messages API route (`POST /v1/messages`) for the vLLM endpoint stand-in, the way
 * vLLM serves it to Claude Code: a canned text answer, whole or as server-sent events
 * (event order from docs.anthropic.com "Streaming Messages": message_start, content_block_start,
 * content_block_delta, content_block_stop, message_delta, message_stop).
 * @module
 */
import type { StandInRoute } from "./vllm-endpoint.js";

/** The route; every request is recorded by the stand-in core. */
export function anthropicMessagesRoute(answer = "stand-in answer from /v1/messages"): StandInRoute {
  return {
    method: "POST",
    path: "/v1/messages",
    handle: ({ res, record, json }) => {
      const body = record.body as { model?: string; stream?: boolean } | undefined;
      if (!body?.model) return json(400, { type: "error", error: { type: "invalid_request_error", message: "model: Field required" } });
      const usage = { input_tokens: 12, output_tokens: 6 };
      if (!body.stream) {
        return json(200, {
          id: "msg_standin",
          type: "message",
          role: "assistant",
          model: body.model,
          content: [{ type: "text", text: answer }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage,
        });
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      event("message_start", {
        message: { id: "msg_standin", type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      });
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: answer } });
      event("content_block_stop", { index: 0 });
      event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
      event("message_stop", {});
      res.end();
    },
  };
}
