/**
 * The smoke checks after an endpoint is healthy: the served model is listed, the coder returns a
 * structured tool call in a streamed completion, the VLM describes generated images sensibly.
 * @module
 */
import { splitReasoning, type AssistantMessage, type Endpoint } from "@qwen-code-modal/contract";
import { describeOutcome, httpCall, type HttpCall } from "../endpoints/http";
import { httpStream } from "../endpoints/http-stream";
import { summarizeChatStream, TOOL_CALL_MARKUP } from "../endpoints/chat-stream";
import { redBlockImage, triangleImage } from "./smoke-images";

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
  const out = await httpStream(`${coder.baseUrl}/chat/completions`, {
    ...request,
    json: {
      model: coder.model,
      stream: true,
      messages: [{ role: "user", content: "What is the weather in Paris right now? Call the get_weather tool." }],
      tools: [WEATHER_TOOL],
      tool_choice: "auto",
      max_tokens: 256,
      temperature: 0,
    },
  });
  if (out.status !== 200) return fail(name, out.ms, `${describeOutcome(out)}: ${out.text.slice(0, 200)}`);
  let seen;
  try {
    seen = summarizeChatStream(out.events);
  } catch (err) {
    return fail(name, out.ms, `the stream is not chat.completion.chunk JSON (${(err as Error).message})`);
  }
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
  const out = await httpCall(`${vlm.baseUrl}/chat/completions`, {
    ...call,
    method: "POST",
    json: {
      model: vlm.model,
      max_tokens: maxTokens,
      temperature: 0,
      messages: [
        {
          role: "user",
          content: [
            ...images.map((i) => ({ type: "image_url", image_url: { url: i.dataUrl } })),
            { type: "text", text: "The first image shows one shape; the second is filled with one colour. Answer with two words: the shape, then the colour." },
          ],
        },
      ],
    },
  });
  if (out.status !== 200) return fail(name, out.ms, `${describeOutcome(out)}: ${out.text.slice(0, 200)}`);
  let answer: string;
  let message: AssistantMessage;
  try {
    message = (JSON.parse(out.text) as { choices: { message: AssistantMessage }[] }).choices[0].message;
    answer = splitReasoning(message).answer;
  } catch {
    return fail(name, out.ms, `the answer is not a chat completion: ${out.text.slice(0, 200)}`);
  }
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
