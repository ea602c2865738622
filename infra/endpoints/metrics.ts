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

/**
 * Cumulative bucket counts of a histogram, summed over label sets, keyed by upper bound (`+Inf`
 * as Infinity), in ascending order. Read from the raw lines (`<name>_bucket{...,le="x",...} n`)
 * because parse-prometheus-text-format 1.1.1 drops the labels and count of a labelled histogram.
 */
export function histogramBuckets(text: string, name: string): [number, number][] {
  const prefix = `${name}_bucket`;
  const sums = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(prefix) || (line[prefix.length] !== "{" && line[prefix.length] !== " ")) continue;
    const le = /[{,]le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (le === undefined || !Number.isFinite(value)) continue;
    const bound = le === "+Inf" ? Infinity : Number(le);
    sums.set(bound, (sums.get(bound) ?? 0) + value);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]);
}

/** Bucket counts accrued between two readings of the same histogram (`after - before`, per bound). */
export function bucketDelta(before: [number, number][], after: [number, number][]): [number, number][] {
  const prior = new Map(before);
  return after.map(([bound, n]) => [bound, n - (prior.get(bound) ?? 0)]);
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside the bucket it falls
 * in (Prometheus `histogram_quantile` semantics); the highest finite bound when it falls in `+Inf`.
 * @returns null for an empty histogram.
 */
export function histogramQuantile(buckets: [number, number][], q: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      return count === lowerCount ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/**
 * The counters an agent workload is judged by, as vLLM 0.33 names them (`v1/metrics/loggers.py`:
 * `vllm:prefix_cache_queries` 662 and `vllm:prefix_cache_hits` 673, in tokens;
 * `v1/spec_decode/metrics.py:229-231`: drafts, draft tokens, accepted tokens), each exposed with
 * the `_total` suffix; summed over engines. Undefined when the page lacks the metric.
 */
export interface AgentCounters {
  prefixCacheQueries?: number;
  prefixCacheHits?: number;
  promptTokens?: number;
  generationTokens?: number;
  specDrafts?: number;
  specDraftTokens?: number;
  specAcceptedTokens?: number;
}

/**
 * Histograms of `vllm:time_to_first_token_seconds` (loggers.py:931), `vllm:inter_token_latency_seconds`
 * (loggers.py:941) and `vllm:e2e_request_latency_seconds` (loggers.py:961).
 */
export interface LatencyHistograms {
  ttft: [number, number][];
  interToken: [number, number][];
  e2e: [number, number][];
}

/** One reading of a `/metrics` page, for deltas between two readings. */
export interface MetricsReading {
  counters: AgentCounters;
  histograms: LatencyHistograms;
}

/**
 * Reads the counters and latency histograms of a `/metrics` page.
 * @throws Error when the text is not Prometheus exposition format.
 */
export function readMetrics(text: string): MetricsReading {
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const sum = (name: string) => {
    const values = families.get(name)?.metrics.map((m) => Number(m.value)).filter((v) => Number.isFinite(v));
    return values?.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  return {
    counters: {
      prefixCacheQueries: sum("vllm:prefix_cache_queries_total"),
      prefixCacheHits: sum("vllm:prefix_cache_hits_total"),
      promptTokens: sum("vllm:prompt_tokens_total"),
      generationTokens: sum("vllm:generation_tokens_total"),
      specDrafts: sum("vllm:spec_decode_num_drafts_total"),
      specDraftTokens: sum("vllm:spec_decode_num_draft_tokens_total"),
      specAcceptedTokens: sum("vllm:spec_decode_num_accepted_tokens_total"),
    },
    histograms: {
      ttft: histogramBuckets(text, "vllm:time_to_first_token_seconds"),
      interToken: histogramBuckets(text, "vllm:inter_token_latency_seconds"),
      e2e: histogramBuckets(text, "vllm:e2e_request_latency_seconds"),
    },
  };
}

/** A ratio of two counter deltas (`hits / queries`), null when undefined or nothing was queried. */
export function ratio(num: number | undefined, den: number | undefined): number | null {
  return num === undefined || den === undefined || den <= 0 ? null : num / den;
}

/** What happened between two readings of one server's `/metrics`. Null when not measured in the window. */
export interface WindowMetrics {
  /** Prefix-cache hit tokens / queried tokens in the window (0..1). */
  prefixCacheHitRate: number | null;
  /** Seconds, quantiles of the requests observed in the window. */
  ttftP50: number | null;
  ttftP90: number | null;
  itlP50: number | null;
  itlP90: number | null;
  e2eP50: number | null;
  e2eP90: number | null;
  /** Accepted / drafted speculative tokens in the window (0..1); null when speculative decoding is off. */
  specDecodeAcceptance: number | null;
}

/**
 * The window between two readings: counter deltas as ratios, histogram deltas as quantiles.
 * A reset counter (the server restarted: `after < before`) counts from zero.
 */
export function windowMetrics(before: MetricsReading, after: MetricsReading): WindowMetrics {
  const delta = (k: keyof AgentCounters) => {
    const a = after.counters[k];
    const b = before.counters[k];
    return a === undefined ? undefined : b === undefined || a < b ? a : a - b;
  };
  const histogram = (k: keyof LatencyHistograms) => {
    const a = after.histograms[k];
    const b = before.histograms[k];
    return (a.at(-1)?.[1] ?? 0) < (b.at(-1)?.[1] ?? 0) ? a : bucketDelta(b, a);
  };
  const ttft = histogram("ttft");
  const itl = histogram("interToken");
  const e2e = histogram("e2e");
  return {
    prefixCacheHitRate: ratio(delta("prefixCacheHits"), delta("prefixCacheQueries")),
    ttftP50: histogramQuantile(ttft, 0.5),
    ttftP90: histogramQuantile(ttft, 0.9),
    itlP50: histogramQuantile(itl, 0.5),
    itlP90: histogramQuantile(itl, 0.9),
    e2eP50: histogramQuantile(e2e, 0.5),
    e2eP90: histogramQuantile(e2e, 0.9),
    specDecodeAcceptance: ratio(delta("specAcceptedTokens"), delta("specDraftTokens")),
  };
}
