/**
 * Smoke checks of the Anthropic Messages API that vLLM serves and Claude Code uses
 * (`ANTHROPIC_BASE_URL` = the endpoint root): a streamed `tool_use` answer and `count_tokens`.
 *
 * Shapes from vLLM 0.33.0 (`entrypoints/anthropic/serving.py`): the stream opens with
 * `message_start`, a tool call becomes `content_block_start` with a `tool_use` block (id, name,
 * empty input) followed by `content_block_delta`s of type `input_json_delta` carrying
 * `partial_json`, then `content_block_stop`, `message_delta` with `stop_reason: "tool_use"` and
 * `message_stop` (serving.py:1031-1058, 1140-1230); `POST /v1/messages/count_tokens` answers
 * `{input_tokens, context_management: {original_input_tokens}}` (`anthropic/api_router.py:90-115`,
 * serving.py:1249-1280).
 *
 * Request shapes are Claude Code 2.1.330's (node_modules/@anthropic-ai/claude-code/bin/claude.exe,
 * byte offsets of its bundled SDK): `POST /v1/messages?beta=true` (offset 158554516) with an
 * `anthropic-beta` header, `POST /v1/messages/count_tokens?beta=true` with
 * `anthropic-beta: token-counting-2024-11-01` (offset 162852560), text blocks carrying
 * `cache_control: {type: "ephemeral"}` (offset 331822757), system prompt as blocks, `tool_choice`.
 * @module
 */
import type { Endpoint } from "@qwen-code-modal/contract";
import { describeOutcome, httpCall } from "../endpoints/http";
import { httpStream } from "../endpoints/http-stream";
import type { CheckCall, CheckResult } from "./openai";

/** The tool offered, in Anthropic's shape (`input_schema`). */
const WEATHER_TOOL = {
  name: "get_weather",
  description: "Current weather for a city.",
  input_schema: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
} as const;

const PROMPT = "What is the weather in Paris right now? Call the get_weather tool.";

/** Anthropic API version and beta headers Claude Code sends; vLLM accepts them (and requires neither). */
const ANTHROPIC_HEADERS = { "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14" };

/** Claude Code's system prompt shape: text blocks, the last with `cache_control`. */
const SYSTEM_BLOCKS = [
  { type: "text", text: "You are Claude Code, a coding agent." },
  { type: "text", text: "Use the tools offered when they help.", cache_control: { type: "ephemeral" } },
];

interface AnthropicEvent {
  type: string;
  index?: number;
  content_block?: { type: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; partial_json?: string; text?: string; stop_reason?: string | null };
}

/**
 * A streamed `/v1/messages` request offering `get_weather`; passes when a `tool_use` block named
 * get_weather arrives, its `input_json_delta`s join into JSON naming Paris, and the message stops
 * with `tool_use`.
 */
export async function checkAnthropicToolUse(coder: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = "/v1/messages tool_use (Claude Code)";
  const fail = (ms: number, detail: string): CheckResult => ({ name, ok: false, detail, ms });
  const out = await httpStream(`${coder.url}/v1/messages?beta=true`, {
    ...call,
    headers: { ...call.headers, ...ANTHROPIC_HEADERS },
    json: {
      model: coder.model,
      max_tokens: 256,
      stream: true,
      system: SYSTEM_BLOCKS,
      tools: [WEATHER_TOOL],
      tool_choice: { type: "auto" },
      messages: [{ role: "user", content: [{ type: "text", text: PROMPT, cache_control: { type: "ephemeral" } }] }],
    },
  });
  if (out.status !== 200) return fail(out.ms, `${describeOutcome(out)}: ${out.text.slice(0, 200)}`);
  let events: AnthropicEvent[];
  try {
    events = out.events.map((e) => JSON.parse(e.data) as AnthropicEvent);
  } catch (err) {
    return fail(out.ms, `the stream is not Anthropic message events (${(err as Error).message})`);
  }
  const types = events.map((e) => e.type);
  if (types[0] !== "message_start" || types.at(-1) !== "message_stop") {
    return fail(out.ms, `events ${types.slice(0, 3).join(", ")} … ${types.at(-1)}: expected message_start … message_stop`);
  }
  const start = events.find((e) => e.type === "content_block_start" && e.content_block?.type === "tool_use");
  if (!start) {
    const text = events.map((e) => e.delta?.text ?? "").join("");
    return fail(out.ms, `no tool_use block (text ${JSON.stringify(text.slice(0, 120))}): is vLLM started with --enable-auto-tool-choice --tool-call-parser qwen3_coder?`);
  }
  if (start.content_block?.name !== WEATHER_TOOL.name) return fail(out.ms, `tool_use names ${start.content_block?.name}, not get_weather`);
  const deltas = events.filter((e) => e.type === "content_block_delta" && e.index === start.index && e.delta?.type === "input_json_delta");
  const json = deltas.map((e) => e.delta?.partial_json ?? "").join("");
  let input: { city?: unknown };
  try {
    input = JSON.parse(json) as { city?: unknown };
  } catch {
    return fail(out.ms, `tool_use input_json_delta parts do not join into JSON: ${json.slice(0, 120)}`);
  }
  if (!/paris/i.test(String(input.city))) return fail(out.ms, `get_weather called with ${json}, not Paris`);
  const stop = events.find((e) => e.type === "message_delta")?.delta?.stop_reason;
  if (stop !== "tool_use") return fail(out.ms, `stop_reason ${stop ?? "missing"}, expected tool_use`);
  return { name, ok: true, detail: `tool_use get_weather(${json}) in ${deltas.length} input_json_delta(s)`, ms: out.ms };
}

/** `POST /v1/messages/count_tokens` counts the prompt (Claude Code calls it to size its context). */
export async function checkCountTokens(coder: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = "/v1/messages/count_tokens";
  const out = await httpCall(`${coder.url}/v1/messages/count_tokens?beta=true`, {
    ...call,
    method: "POST",
    headers: { ...call.headers, ...ANTHROPIC_HEADERS, "anthropic-beta": "token-counting-2024-11-01" },
    json: { model: coder.model, system: SYSTEM_BLOCKS, tools: [WEATHER_TOOL], messages: [{ role: "user", content: PROMPT }] },
  });
  if (out.status !== 200) return { name, ok: false, detail: `${describeOutcome(out)}: ${out.text.slice(0, 200)}`, ms: out.ms };
  let tokens: unknown;
  try {
    tokens = (JSON.parse(out.text) as { input_tokens?: unknown }).input_tokens;
  } catch {
    tokens = undefined;
  }
  if (typeof tokens !== "number" || !Number.isInteger(tokens) || tokens <= 0) {
    return { name, ok: false, detail: `no positive input_tokens in ${out.text.slice(0, 120)}`, ms: out.ms };
  }
  return { name, ok: true, detail: `${tokens} input tokens`, ms: out.ms };
}
