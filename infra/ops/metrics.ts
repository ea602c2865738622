/**
 * vLLM's Prometheus `/metrics` page read into the few numbers `status` shows.
 *
 * Names (docs.vllm.ai "Production Metrics" and design/metrics.md): `vllm:num_requests_running`,
 * `vllm:num_requests_waiting` (gauges), `vllm:kv_cache_usage_perc` (gauge, 0..1; named
 * `vllm:gpu_cache_usage_perc` before vLLM 0.10), `vllm:prompt_tokens_total` and
 * `vllm:generation_tokens_total` (counters). Each carries `engine`/`model_name` labels; values are
 * summed over label sets, except KV-cache usage, which is the highest (the fullest engine).
 * @module
 */
import parsePrometheusTextFormat = require("parse-prometheus-text-format");

/** The summary; a field is undefined when the page lacks the metric. */
export interface VllmMetrics {
  running?: number;
  waiting?: number;
  /** Fraction 0..1 of KV-cache blocks in use. */
  kvCacheUsage?: number;
  /** Prompt (prefill) tokens processed since the server started. */
  promptTokens?: number;
  /** Tokens generated since the server started. */
  generationTokens?: number;
}

/**
 * Reads the summary from a `/metrics` page.
 * @throws Error when the text is not Prometheus exposition format.
 */
export function summarizeVllmMetrics(text: string): VllmMetrics {
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const values = (name: string) => families.get(name)?.metrics.map((m) => Number(m.value)).filter((v) => Number.isFinite(v));
  const sum = (name: string) => values(name)?.reduce((a, b) => a + b, 0);
  const max = (name: string) => {
    const v = values(name);
    return v?.length ? Math.max(...v) : undefined;
  };
  return {
    running: sum("vllm:num_requests_running"),
    waiting: sum("vllm:num_requests_waiting"),
    kvCacheUsage: max("vllm:kv_cache_usage_perc") ?? max("vllm:gpu_cache_usage_perc"),
    promptTokens: sum("vllm:prompt_tokens_total"),
    generationTokens: sum("vllm:generation_tokens_total"),
  };
}
