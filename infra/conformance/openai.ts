/**
 * Conformance checks over vLLM's OpenAI-compatible API, after an endpoint is healthy: the served
 * model is listed; the coder streams structured tool calls (one, and two in parallel with awkward
 * arguments), keeps a literal `<tool_call>` in prose as text, answers a tool result, and accepts a
 * prompt near `maxModelLen`; the VLM reads images with its reasoning split from its answer. Which
 * upstream failure each one guards is in ./suite.ts.
 *
 * Request shapes are qwen-code 0.24.4's: `stream: true` with `stream_options: {include_usage: true}`
 * (node_modules/@qwen-code/qwen-code/chunks/chunk-N3HID7XO.js:1643-1645), tool results as
 * `{role: "tool", tool_call_id, content}` (chunks/chunk-YIHOHHJL.js:668-676). A mid-stream failure
 * in vLLM 0.33.0 arrives as a `data: {"error": {...}}` event before `[DONE]`
 * (entrypoints/openai/chat_completion/serving.py:503-507, ErrorResponse in
 * entrypoints/serve/engine/protocol.py:79-87).
 * @module
 */
import { splitReasoning, type AssistantMessage, type Endpoint } from "@qwen-code-modal/contract";
import { describeOutcome, httpCall, type HttpCall } from "../endpoints/http";
import { httpStream } from "../endpoints/http-stream";
import { summarizeChatStream, TOOL_CALL_MARKUP } from "../endpoints/chat-stream";
import { redBlockImage, screenshot4kImage, triangleImage, type SmokeImage } from "./images";

/** The outcome of one check. */
export interface CheckResult {
  /** e.g. `coder /v1/models`. */
  name: string;
  ok: boolean;
  /** What was seen (on failure: what was wrong and the likely fix). */
  detail: string;
  /** Milliseconds the check took. */
  ms: number;
}

/** How each check calls the endpoint: proxy headers, its time limit (Modal's 303s followed within it), and a hook per 303. */
export type CheckCall = Pick<HttpCall, "headers" | "timeoutMs" | "onResultUrl">;

function fail(name: string, ms: number, detail: string): CheckResult {
  return { name, ok: false, detail, ms };
}

/** `GET /v1/models` lists the served model name. */
export async function checkModels(endpoint: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = "/v1/models";
  const out = await httpCall(`${endpoint.baseUrl}/models`, call);
  if (out.status !== 200) return fail(name, out.ms, `${describeOutcome(out)}: ${out.text.slice(0, 200)}`);
  let ids: string[] = [];
  try {
    ids = ((JSON.parse(out.text) as { data?: { id?: string }[] }).data ?? []).map((m) => String(m.id));
  } catch {
    return fail(name, out.ms, "the answer is not JSON");
  }
  if (!ids.includes(endpoint.model)) return fail(name, out.ms, `lists ${ids.join(", ") || "no model"}, not ${endpoint.model}`);
  return { name, ok: true, detail: `serves ${endpoint.model}`, ms: out.ms };
}

/** The tool the coder is asked to call. */
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city.",
    parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
  },
} as const;

/**
 * A streamed completion in which the model must call `get_weather` for Paris; passes when a
 * structured `tool_calls` entry with that name and JSON arguments naming Paris comes back as
 * deltas, and no tool-call markup (`<tool_call>`, `<function=`) leaked into `content` — the
 * `qwen3_coder` parser pitfalls of vLLM #30439 / #22975.
 */
export async function checkToolCall(coder: Endpoint, request: CheckCall): Promise<CheckResult> {
  const name = "streamed tool call";
  const r = await streamChat(coder, request, {
    messages: [{ role: "user", content: "What is the weather in Paris right now? Call the get_weather tool." }],
    tools: [WEATHER_TOOL],
    tool_choice: "auto",
    max_tokens: 256,
  });
  if (!r.ok) return fail(name, r.ms, r.detail);
  const { seen } = r;
  const out = { ms: r.ms };
  const call = seen.toolCalls.find((c) => c.name === WEATHER_TOOL.function.name);
  if (!call) {
    return fail(
      name,
      out.ms,
      `no get_weather entry in tool_calls (finish_reason ${seen.finishReason ?? "none"}, content ${JSON.stringify(seen.content.slice(0, 120))}): ` +
        "is vLLM started with --enable-auto-tool-choice --tool-call-parser qwen3_coder?",
    );
  }
  if (TOOL_CALL_MARKUP.test(seen.content)) {
    return fail(name, out.ms, `tool-call markup leaked into content next to the structured call: ${JSON.stringify(seen.content.slice(0, 120))}`);
  }
  if (call.argumentDeltas === 0) return fail(name, out.ms, "get_weather came without argument deltas (arguments not streamed)");
  let args: { city?: unknown };
  try {
    args = JSON.parse(call.arguments) as { city?: unknown };
  } catch {
    return fail(name, out.ms, `get_weather arguments are not JSON: ${call.arguments.slice(0, 120)}`);
  }
  if (!/paris/i.test(String(args.city))) return fail(name, out.ms, `get_weather called with ${call.arguments}, not Paris`);
  return { name, ok: true, detail: `get_weather(${call.arguments})`, ms: out.ms };
}

/**
 * Shows the VLM a triangle and a red block; passes when the answer names both and, for a
 * deployment with a reasoning parser (`endpoint.reasoning`), the thinking came split from the
 * answer: in `message.reasoning` (`reasoning_content` before vLLM 0.10), with no `<think>` tags
 * left in `content`.
 * @param maxTokens - room for a Thinking model's reasoning plus the answer.
 */
export async function checkVision(vlm: Endpoint, call: CheckCall, maxTokens = 4096): Promise<CheckResult> {
  const name = "images (triangle, colour block)";
  const images = [await triangleImage(), await redBlockImage()];
  const r = await askVlm(vlm, call, images, "The first image shows one shape; the second is filled with one colour. Answer with two words: the shape, then the colour.", maxTokens);
  if (!r.ok) return fail(name, r.ms, r.detail);
  const { answer, message, ms } = r;
  const out = { ms };
  const missing = images.filter((i) => !answer.toLowerCase().includes(i.expect)).map((i) => i.expect);
  if (missing.length) return fail(name, out.ms, `answer ${JSON.stringify(answer.slice(0, 160))} does not say ${missing.join(" or ")}`);
  const reasoning = message.reasoning ?? message.reasoning_content ?? "";
  if (vlm.reasoning && (/<\/?think>/.test(message.content ?? "") || !reasoning.trim())) {
    return fail(
      name,
      out.ms,
      `reasoning not split from the answer (reasoning ${reasoning.trim() ? "present" : "empty"}, content ${JSON.stringify((message.content ?? "").slice(0, 80))}): ` +
        "is vLLM started with --reasoning-parser qwen3?",
    );
  }
  const split = vlm.reasoning ? `, reasoning split (${reasoning.length} chars)` : "";
  return { name, ok: true, detail: `${JSON.stringify(answer.slice(0, 80))}${split}`, ms: out.ms };
}

/** qwen-code 0.24.4's streaming fields (chunks/chunk-N3HID7XO.js:1643-1645). */
const QWEN_CODE_STREAM = { stream: true, stream_options: { include_usage: true } } as const;

/** A streamed completion read into its summary, or the failure detail. */
type StreamRead = { ok: true; seen: ReturnType<typeof summarizeChatStream>; ms: number } | { ok: false; detail: string; ms: number };

/**
 * Sends a streamed chat completion in qwen-code's shape and reads it: a non-200, no answer (a
 * stream that went silent ends as the call's time limit), an `{"error": ...}` event in the stream
 * (vLLM's mid-stream failure) or a stream without `finish_reason` all come back as failures.
 */
async function streamChat(coder: Endpoint, call: CheckCall, body: Record<string, unknown>): Promise<StreamRead> {
  const out = await httpStream(`${coder.baseUrl}/chat/completions`, { ...call, json: { model: coder.model, ...QWEN_CODE_STREAM, temperature: 0, ...body } });
  if (out.status !== 200) {
    const got = out.events.length ? ` after ${out.events.length} event(s), last ${out.events.at(-1)!.data.slice(0, 120)}` : "";
    return { ok: false, ms: out.ms, detail: `${describeOutcome(out)}${got}${out.text ? `: ${out.text.slice(0, 200)}` : ""}` };
  }
  const error = out.events.find((e) => e.data.startsWith('{"error"'));
  if (error) return { ok: false, ms: out.ms, detail: `the stream broke with an error event after ${out.events.indexOf(error)} chunk(s): ${error.data.slice(0, 200)}` };
  let seen;
  try {
    seen = summarizeChatStream(out.events);
  } catch (err) {
    return { ok: false, ms: out.ms, detail: `the stream is not chat.completion.chunk JSON (${(err as Error).message})` };
  }
  if (!seen.finishReason) return { ok: false, ms: out.ms, detail: `the stream ended without a finish_reason (content ${JSON.stringify(seen.content.slice(0, 120))})` };
  return { ok: true, seen, ms: out.ms };
}

/** Deep equality of two JSON values (key order ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The tool of the parallel-call check: a file write with a nested options object. */
const WRITE_TOOL = {
  type: "function",
  function: {
    name: "write_file",
    description: "Write a file.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string" },
        content: { type: "string" },
        options: { type: "object", properties: { mode: { type: "string" }, tags: { type: "array", items: { type: "string" } }, meta: { type: "object" } } },
      },
      required: ["path", "content", "options"],
    },
  },
} as const;

/** The two calls the parallel check asks for: nested JSON, unicode (accents, CJK, emoji), a long string. */
export const PARALLEL_CALLS = [
  { path: "docs/héllo-世界.md", content: "Grüße aus Zürich — 你好 🚀 \"quoted\" and a backslash \\ here", options: { mode: "create", tags: ["ünï", "日本"], meta: { depth: { level: 2, ok: true } } } },
  { path: "data/long.txt", content: Array.from({ length: 40 }, (_, i) => `line ${i + 1} of the long argument`).join("; "), options: { mode: "overwrite", tags: [], meta: { sizes: [1, 2, 3], nested: { a: { b: "c" } } } } },
];

/**
 * Two `write_file` calls in one streamed turn, with the exact arguments given: both must arrive as
 * `delta.tool_calls` entries whose streamed arguments parse to exactly those objects, with no
 * tool-call markup in `content`.
 */
export async function checkParallelToolCalls(coder: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = "parallel tool calls (nested JSON, unicode, long string)";
  const prompt =
    "Call the write_file tool twice, in parallel in this one turn, once with each of these argument objects exactly as given (same strings, same nesting), and write no prose:\n" +
    PARALLEL_CALLS.map((a) => JSON.stringify(a)).join("\n");
  const r = await streamChat(coder, call, { messages: [{ role: "user", content: prompt }], tools: [WRITE_TOOL], tool_choice: "auto", max_tokens: 2048 });
  if (!r.ok) return fail(name, r.ms, r.detail);
  const { seen } = r;
  if (TOOL_CALL_MARKUP.test(seen.content)) return fail(name, r.ms, `tool-call markup in content: ${JSON.stringify(seen.content.slice(0, 160))}`);
  const calls = seen.toolCalls.filter((c) => c.name === "write_file");
  if (calls.length !== 2) return fail(name, r.ms, `${calls.length} write_file call(s) in tool_calls, expected 2 (finish_reason ${seen.finishReason}, content ${JSON.stringify(seen.content.slice(0, 120))})`);
  for (const [i, c] of calls.entries()) {
    let args: unknown;
    try {
      args = JSON.parse(c.arguments);
    } catch {
      return fail(name, r.ms, `call ${i + 1}'s arguments are not JSON: ${c.arguments.slice(0, 160)}`);
    }
    if (!PARALLEL_CALLS.some((want) => sameJson(args, want))) return fail(name, r.ms, `call ${i + 1}'s arguments differ from what was asked: ${c.arguments.slice(0, 200)}`);
  }
  return { name, ok: true, detail: `2 write_file calls, arguments exact (${calls.map((c) => c.arguments.length).join(" + ")} chars in ${calls.map((c) => c.argumentDeltas).join(" + ")} deltas)`, ms: r.ms };
}

/** The sentence the prose check asks the model to repeat: a literal tool-call tag in plain text. */
export const LITERAL_TAG_SENTENCE = "Qwen's template wraps each call in <tool_call> tags.";

/**
 * Tools offered, but the model is asked to repeat a sentence that holds a literal `<tool_call>`:
 * the stream must finish (`finish_reason` stop) with the sentence in `content` and no tool call.
 */
export async function checkLiteralToolCallText(coder: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = "literal <tool_call> in prose stays text";
  const prompt = `Do not call any tool. Reply with exactly this sentence and nothing else:\n${LITERAL_TAG_SENTENCE}`;
  const r = await streamChat(coder, call, { messages: [{ role: "user", content: prompt }], tools: [WEATHER_TOOL], tool_choice: "auto", max_tokens: 128 });
  if (!r.ok) return fail(name, r.ms, r.detail);
  const { seen } = r;
  if (seen.toolCalls.length) return fail(name, r.ms, `the prose became a tool call: ${seen.toolCalls.map((c) => `${c.name}(${c.arguments.slice(0, 80)})`).join(", ")}`);
  if (!seen.content.includes("<tool_call>")) return fail(name, r.ms, `the text around <tool_call> was swallowed: content ${JSON.stringify(seen.content.slice(0, 160))}`);
  return { name, ok: true, detail: `${JSON.stringify(seen.content.slice(0, 80))}, finish_reason ${seen.finishReason}`, ms: r.ms };
}

/** The tool result the feedback check returns. */
const WEATHER_RESULT = "Paris: 21 °C, sunny, wind 9 km/h";

/**
 * A conversation in which `get_weather` was called and answered (qwen-code's `role: "tool"`
 * message): the model must answer in text, using the result, and finish.
 */
export async function checkToolResultAnswered(coder: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = "tool result fed back and answered";
  const messages = [
    { role: "user", content: "What is the weather in Paris right now? Call the get_weather tool." },
    { role: "assistant", content: "", tool_calls: [{ id: "call_conformance_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] },
    { role: "tool", tool_call_id: "call_conformance_1", content: WEATHER_RESULT },
  ];
  const r = await streamChat(coder, call, { messages, tools: [WEATHER_TOOL], tool_choice: "auto", max_tokens: 256 });
  if (!r.ok) return fail(name, r.ms, r.detail);
  const { seen } = r;
  if (!seen.content.includes("21")) return fail(name, r.ms, `the answer does not use the tool result (21 °C): content ${JSON.stringify(seen.content.slice(0, 160))}, ${seen.toolCalls.length} tool call(s)`);
  return { name, ok: true, detail: JSON.stringify(seen.content.slice(0, 80)), ms: r.ms };
}

/**
 * A prompt of about 85% of `maxModelLen` (one token per " word" is the estimate; the endpoint's
 * `usage.prompt_tokens` is what counts) with `max_tokens` 8: it must be accepted and answered.
 */
export async function checkLongPrompt(coder: Endpoint, call: CheckCall): Promise<CheckResult> {
  const name = `prompt near maxModelLen (${coder.maxModelLen} tokens)`;
  const words = Math.floor(coder.maxModelLen * 0.85);
  const filler = " apple".repeat(words);
  const r = await streamChat(coder, call, { messages: [{ role: "user", content: `Reply with the word done.${filler}` }], max_tokens: 8 });
  if (!r.ok) return fail(name, r.ms, r.detail);
  const used = r.seen.usage?.prompt_tokens;
  if (used === undefined) return fail(name, r.ms, "no usage chunk although stream_options.include_usage was sent");
  if (used < coder.maxModelLen * 0.5) return fail(name, r.ms, `only ${used} prompt tokens counted for ${words} words: the prompt was cut`);
  return { name, ok: true, detail: `${used} prompt tokens accepted`, ms: r.ms };
}

/** One non-streamed VLM question about `images`; the answer split from its reasoning, or the failure. */
async function askVlm(
  vlm: Endpoint,
  call: CheckCall,
  images: SmokeImage[],
  question: string,
  maxTokens: number,
): Promise<{ ok: true; answer: string; message: AssistantMessage; ms: number } | { ok: false; detail: string; ms: number }> {
  const out = await httpCall(`${vlm.baseUrl}/chat/completions`, {
    ...call,
    method: "POST",
    json: {
      model: vlm.model,
      max_tokens: maxTokens,
      temperature: 0,
      messages: [{ role: "user", content: [...images.map((i) => ({ type: "image_url", image_url: { url: i.dataUrl } })), { type: "text", text: question }] }],
    },
  });
  if (out.status !== 200) return { ok: false, ms: out.ms, detail: `${describeOutcome(out)}: ${out.text.slice(0, 200)}` };
  try {
    const message = (JSON.parse(out.text) as { choices: { message: AssistantMessage }[] }).choices[0].message;
    return { ok: true, answer: splitReasoning(message).answer, message, ms: out.ms };
  } catch {
    return { ok: false, ms: out.ms, detail: `the answer is not a chat completion: ${out.text.slice(0, 200)}` };
  }
}

const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

/** `maxImagesPerPrompt` images in one request: accepted, and the answer counts them. */
export async function checkVisionMaxImages(vlm: Endpoint, call: CheckCall, maxTokens = 4096): Promise<CheckResult> {
  const n = vlm.maxImagesPerPrompt;
  const name = `${n} images in one prompt (maxImagesPerPrompt)`;
  const block = await redBlockImage();
  const r = await askVlm(vlm, call, Array.from({ length: n }, () => block), "How many images did I send? Answer with the number.", maxTokens);
  if (!r.ok) return fail(name, r.ms, r.detail);
  const said = r.answer.toLowerCase();
  if (!said.includes(String(n)) && !(n < NUMBER_WORDS.length && said.includes(NUMBER_WORDS[n]))) return fail(name, r.ms, `answer ${JSON.stringify(r.answer.slice(0, 120))} does not count ${n}`);
  return { name, ok: true, detail: JSON.stringify(r.answer.slice(0, 80)), ms: r.ms };
}

/** A 3840×2160 screenshot: accepted (resized by the server's processor) and read. */
export async function checkVisionScreenshot4k(vlm: Endpoint, call: CheckCall, maxTokens = 4096): Promise<CheckResult> {
  const name = "4K screenshot (3840x2160)";
  const shot = await screenshot4kImage();
  const r = await askVlm(vlm, call, [shot], "What colour is the large rectangle in the middle of this screenshot? Answer with one word.", maxTokens);
  if (!r.ok) return fail(name, r.ms, r.detail);
  if (!r.answer.toLowerCase().includes(shot.expect)) return fail(name, r.ms, `answer ${JSON.stringify(r.answer.slice(0, 120))} does not say ${shot.expect}`);
  return { name, ok: true, detail: JSON.stringify(r.answer.slice(0, 80)), ms: r.ms };
}
