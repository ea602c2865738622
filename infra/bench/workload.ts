/**
 * The coding-agent workload: each session opens with a long context of real source text and grows
 * by turns, the way an agent resends its whole conversation: the previous prompt, the model's
 * answer (a tool call or text), a tool result with more source, a new question. Even turns ask for
 * a `read_file` tool call (a streamed tool-call round trip); odd turns ask for an explanation
 * (decode speed). Sessions start at different offsets of the corpus, so they share only the
 * system prompt and the tool list, as separate agent sessions would.
 * @module
 */
import { CHARS_PER_TOKEN } from "./corpus";

/** The shape of the workload. Tokens are approximate (see {@link CHARS_PER_TOKEN}). */
export interface WorkloadShape {
  sessions: number;
  turns: number;
  contextTokens: number;
  turnTokens: number;
  maxTokens: number;
}

/** An OpenAI chat message as the workload sends it. */
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[] }
  | { role: "tool"; content: string; tool_call_id: string };

/** The tools every request offers. */
export const AGENT_TOOLS = [
  {
    type: "function",
    function: {
      name: "read_file",
      description: "Read a file of the repository and return its text.",
      parameters: {
        type: "object",
        properties: { path: { type: "string", description: "Repository-relative path" }, reason: { type: "string", description: "Why this file" } },
        required: ["path"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "run_tests",
      description: "Run the project's tests matching a pattern.",
      parameters: { type: "object", properties: { pattern: { type: "string" } }, required: ["pattern"] },
    },
  },
] as const;

const SYSTEM =
  "You are a coding agent working in a TypeScript repository. Use the tools to read files before you change anything. " +
  "Answer precisely and refer to file paths.";

/** Whether a turn asks for a tool call (even turns) or an explanation (odd turns). */
export const asksForTool = (turn: number) => turn % 2 === 0;

/** One session's growing conversation. */
export class AgentSession {
  readonly messages: ChatMessage[];
  private offset: number;

  /**
   * @param corpus - the source text; this session reads it from `start` on.
   */
  constructor(
    private readonly corpus: string,
    start: number,
    private readonly shape: WorkloadShape,
  ) {
    const chars = Math.round(shape.contextTokens * CHARS_PER_TOKEN);
    this.offset = start;
    const context = this.take(chars);
    this.messages = [
      { role: "system", content: SYSTEM },
      { role: "user", content: `Repository files follow.\n${context}\n\n${this.question(0)}` },
    ];
  }

  private take(chars: number): string {
    const text = this.corpus.slice(this.offset % this.corpus.length, (this.offset % this.corpus.length) + chars);
    this.offset += chars;
    return text.length < chars ? text + this.corpus.slice(0, chars - text.length) : text;
  }

  private question(turn: number): string {
    return asksForTool(turn)
      ? "Call the read_file tool on the file that defines the function you would change next, and say nothing else."
      : `Explain in detail what the code above does and what could break, in about ${this.shape.maxTokens} tokens.`;
  }

  /** The request body of the current turn. */
  request(model: string, turn: number): object {
    return {
      model,
      messages: this.messages,
      tools: AGENT_TOOLS,
      tool_choice: "auto",
      max_tokens: asksForTool(turn) ? Math.min(this.shape.maxTokens, 256) : this.shape.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    };
  }

  /**
   * Appends the model's answer and what the agent sends next: a tool result with more source
   * (after a tool call) or a user message with more source, then the next turn's question.
   */
  advance(answer: { content: string; toolCalls: { id: string; name: string; arguments: string }[] }, nextTurn: number): void {
    const more = this.take(Math.round(this.shape.turnTokens * CHARS_PER_TOKEN));
    const call = answer.toolCalls[0];
    if (call) {
      this.messages.push({
        role: "assistant",
        content: answer.content || null,
        tool_calls: [{ id: call.id || `call-${nextTurn}`, type: "function", function: { name: call.name, arguments: call.arguments } }],
      });
      this.messages.push({ role: "tool", tool_call_id: call.id || `call-${nextTurn}`, content: more });
      this.messages.push({ role: "user", content: this.question(nextTurn) });
    } else {
      this.messages.push({ role: "assistant", content: answer.content });
      this.messages.push({ role: "user", content: `More of the repository:\n${more}\n\n${this.question(nextTurn)}` });
    }
  }
}
