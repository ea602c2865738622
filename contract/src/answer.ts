/**
 * Separating a Thinking model's reasoning from its final answer, as the endpoints return it: the
 * one reader of that format for the MCP server's answers and the deployer's smoke check.
 *
 * vLLM with a reasoning parser returns the thinking in the message's `reasoning_content` field
 * (vLLM < 0.10) or `reasoning` (vLLM ≥ 0.10) and the answer in `content`; without one, the
 * thinking stays in `content`, ending with `</think>` (Qwen3 Thinking chat templates open the
 * `<think>` block in the prompt, so the output may lack the opening tag).
 * Source: vLLM docs "Reasoning Outputs"; Qwen3-VL-*-Thinking chat_template.
 * @module
 */

/** The assistant message fields this server reads from a chat completion. */
export interface AssistantMessage {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/** A model's output split in two. */
export interface SplitAnswer {
  /** The final answer, trimmed. */
  answer: string;
  /** The reasoning, trimmed; empty when the model gave none. */
  reasoning: string;
}

const CLOSE = "</think>";

/** Splits an assistant message into answer and reasoning (see the module comment). */
export function splitReasoning(message: AssistantMessage): SplitAnswer {
  const fieldReasoning = message.reasoning_content ?? message.reasoning ?? "";
  let content = message.content ?? "";
  let inline = "";
  const close = content.lastIndexOf(CLOSE);
  if (close >= 0) {
    inline = content.slice(0, close).replace(/^\s*<think>/, "");
    content = content.slice(close + CLOSE.length);
  } else if (/^\s*<think>/.test(content)) {
    // Cut off while still thinking: everything is reasoning.
    inline = content.replace(/^\s*<think>/, "");
    content = "";
  }
  return {
    answer: content.trim(),
    reasoning: [fieldReasoning, inline].map((s) => s.trim()).filter(Boolean).join("\n\n"),
  };
}
