/**
 * Coder-specific additions to the vLLM endpoint stand-in: a `respond` that answers like vLLM's
 * `qwen3_coder` tool parser (a structured `tool_calls` entry when tools are offered), and a
 * `/metrics` page shaped like vLLM's Prometheus exposition.
 * @module
 */
import type { ChatContext, StandInRoute } from "./vllm-endpoint.js";
import type { ChatReply } from "./chat-response.js";

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
