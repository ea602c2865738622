/**
 * Coder-specific additions to the vLLM endpoint stand-in: a `respond` that answers like vLLM's
 * `qwen3_coder` tool parser (a structured `tool_calls` entry when tools are offered), and a
 * `/metrics` page shaped like vLLM's Prometheus exposition.
 * @module
 */
import type { ChatContext, StandInOptions, StandInRoute } from "./vllm-endpoint.js";
import type { ChatReply } from "./chat-response.js";
import { anthropicCountTokensRoute, anthropicMessagesRoute } from "./anthropic-messages.js";

/**
 * A `respond` that calls the first offered tool with `args` (and answers `text` when no tool is
 * offered), as a model that follows the prompt would.
 */
export function callFirstTool(args: object, text = "stand-in coder answer"): (ctx: ChatContext) => ChatReply {
  return ({ request }) => {
    const tool = request.tools?.[0];
    if (!tool) return { content: text };
    return { content: "", toolCalls: [{ id: "chatcmpl-tool-standin-1", name: tool.function.name, arguments: JSON.stringify(args) }] };
  };
}

/** Values the metrics page shows. */
export interface VllmMetricsValues {
  running: number;
  waiting: number;
  /** Fraction 0..1. */
  kvCacheUsage: number;
  promptTokens: number;
  generationTokens: number;
}

/**
 * A `GET /metrics` route. Names and shapes as vLLM's V1 engine exports them (docs.vllm.ai
 * "Production Metrics"; `vllm:kv_cache_usage_perc` since 0.10, `vllm:gpu_cache_usage_perc`
 * before — `legacy` selects the old name), with labels `engine` and `model_name`, plus a
 * histogram and Python process metrics that a reader must skip.
 */
export function vllmMetricsRoute(model: string, values: VllmMetricsValues, legacy = false): StandInRoute {
  const l = `engine="0",model_name="${model}"`;
  const kv = legacy ? "vllm:gpu_cache_usage_perc" : "vllm:kv_cache_usage_perc";
  const page = [
    "# HELP python_gc_objects_collected_total Objects collected during gc",
    "# TYPE python_gc_objects_collected_total counter",
    'python_gc_objects_collected_total{generation="0"} 12345.0',
    "# HELP vllm:num_requests_running Number of requests in model execution batches.",
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running{${l}} ${values.running.toFixed(1)}`,
    "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
    "# TYPE vllm:num_requests_waiting gauge",
    `vllm:num_requests_waiting{${l}} ${values.waiting.toFixed(1)}`,
    `# HELP ${kv} KV-cache usage. 1 means 100 percent usage.`,
    `# TYPE ${kv} gauge`,
    `${kv}{${l}} ${values.kvCacheUsage}`,
    "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.",
    "# TYPE vllm:prompt_tokens_total counter",
    `vllm:prompt_tokens_total{${l}} ${values.promptTokens.toFixed(1)}`,
    "# HELP vllm:generation_tokens_total Number of generation tokens processed.",
    "# TYPE vllm:generation_tokens_total counter",
    `vllm:generation_tokens_total{${l}} ${values.generationTokens.toFixed(1)}`,
    "# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.",
    "# TYPE vllm:e2e_request_latency_seconds histogram",
    `vllm:e2e_request_latency_seconds_bucket{${l},le="1.0"} 3.0`,
    `vllm:e2e_request_latency_seconds_bucket{${l},le="+Inf"} 7.0`,
    `vllm:e2e_request_latency_seconds_count{${l}} 7.0`,
    `vllm:e2e_request_latency_seconds_sum{${l}} 21.5`,
    "",
  ].join("\n");
  return {
    method: "GET",
    path: "/metrics",
    handle: ({ res }) => void res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(page),
  };
}

/**
 * Ways a coder endpoint misbehaves, each reproducing a reported upstream failure:
 * - `call-in-content`: the tool call comes back as Qwen3-Coder markup in `content`, no
 *   `tool_calls` (vLLM #22975; the markup is the qwen3_coder format vLLM's parser reads,
 *   `tool_parsers/qwen3coder_tool_parser.py`);
 * - `error-mid-stream`: a streamed tool call breaks with vLLM's error event (vLLM #34322);
 * - `silent-stream`: a stream whose prose holds a literal `<tool_call>` stops sending and stays
 *   open (noonghunna/club-3090#72);
 * - `no-messages`, `no-count-tokens`: the Anthropic routes are missing (404, as a gateway or an
 *   older server without them answers: vLLM #44576, BerriAI/litellm #13252).
 */
export type CoderMisbehaviour = "call-in-content" | "error-mid-stream" | "silent-stream" | "no-messages" | "no-count-tokens";

/** Qwen3-Coder's tool-call markup for a call, as the model writes it before vLLM's parser reads it. */
export function qwen3CoderMarkup(name: string, args: Record<string, unknown>): string {
  const params = Object.entries(args).map(([k, v]) => `<parameter=${k}>\n${typeof v === "string" ? v : JSON.stringify(v)}\n</parameter>\n`).join("");
  return `<tool_call>\n<function=${name}>\n${params}</function>\n</tool_call>`;
}

/** The argument objects a prompt lists one per line as JSON (the parallel-call check's prompt). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * A coder that follows the conformance suite's prompts as a capable model would: calls the tools it
 * is asked to call with the arguments given (several in one turn when asked), repeats a sentence
 * it is asked to repeat, answers a tool result with it, and says "done" otherwise. With
 * `misbehave` it fails the way that switch names.
 */
export function conformingCoder(misbehave?: () => CoderMisbehaviour | undefined): (ctx: ChatContext) => ChatReply {
  return ({ request }) => {
    const mode = misbehave?.();
    const last = request.messages.at(-1)!;
    if (last.role === "tool") return { content: `The tool says: ${typeof last.content === "string" ? last.content : JSON.stringify(last.content)}` };
    const prompt = typeof last.content === "string" ? last.content : "";
    const repeat = /Reply with exactly this sentence and nothing else:\n(.*)$/s.exec(prompt);
    if (repeat) return { content: repeat[1], ...(mode === "silent-stream" ? { streamFault: { afterChunks: 2, kind: "silent" as const } } : {}) };
    const tool = request.tools?.[0]?.function.name;
    let calls: { name: string; args: Record<string, unknown> }[] = [];
    if (tool && /Call the write_file tool twice/.test(prompt)) calls = jsonLines(prompt).map((args) => ({ name: tool, args }));
    else if (tool && /call the get_weather tool/i.test(prompt)) calls = [{ name: tool, args: { city: "Paris" } }];
    if (!calls.length) return { content: "done" };
    if (mode === "call-in-content") return { content: calls.map((c) => qwen3CoderMarkup(c.name, c.args)).join("\n") };
    return {
      content: "",
      toolCalls: calls.map((c, i) => ({ id: `chatcmpl-tool-standin-${i + 1}`, name: c.name, arguments: JSON.stringify(c.args) })),
      ...(mode === "error-mid-stream" ? { streamFault: { afterChunks: 3, kind: "error" as const } } : {}),
    };
  };
}

/**
 * Stand-in options for a coder endpoint that passes the conformance suite (OpenAI and Anthropic
 * routes), or misbehaves as `misbehave()` says at the time of each request.
 */
export function conformingCoderOptions(misbehave: () => CoderMisbehaviour | undefined = () => undefined): Pick<StandInOptions, "respond" | "routes"> {
  const messages = anthropicMessagesRoute("done", { toolInput: { city: "Paris" } });
  const count = anthropicCountTokensRoute();
  const unless = (m: CoderMisbehaviour, route: StandInRoute): StandInRoute => ({
    ...route,
    handle: (ctx) => (misbehave() === m ? ctx.json(404, { detail: "Not Found" }) : route.handle(ctx)),
  });
  return { respond: conformingCoder(misbehave), routes: [unless("no-messages", messages), unless("no-count-tokens", count)] };
}
