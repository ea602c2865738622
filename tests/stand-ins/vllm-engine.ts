/**
 * The parts of vLLM's engine a coding-agent benchmark observes, for the vLLM endpoint stand-in
 * (`./vllm-endpoint.ts`): a prefix cache, a time to first token that grows with the prompt tokens
 * the cache did not hold, decoding at a fixed inter-token latency, optional speculative decoding,
 * and the Prometheus `/metrics` page that counts it all. It is a stand-in, not a model; shapes
 * and names are vLLM 0.33.0's:
 *
 * - **Prefix cache.** Prompts are hashed in blocks of `blockTokens` (chained hashes, as
 *   `v1/core/kv_cache_utils.py` hashes blocks); a request reuses the longest run of cached whole
 *   blocks from its start, never its last token. On the hybrid coder, vLLM keeps Mamba state only
 *   at block boundaries (`mamba_cache_mode` align, `model_executor/models/config.py:763-774`) with
 *   blocks of ~1,072-1,088 tokens (`platforms/interface.py:1098-1115`); tests use small blocks to
 *   stay fast. Every full block of every prompt is kept (LRU up to `maxCachedBlocks`); real align
 *   mode keeps fewer Mamba checkpoints, which only a real deployment measures.
 * - **Counters** (`v1/metrics/loggers.py`): `vllm:prefix_cache_queries` (662) and
 *   `vllm:prefix_cache_hits` (673) in tokens, `vllm:prompt_tokens` (748), `vllm:generation_tokens`
 *   (799), exposed with `_total` as prometheus_client's text format does; with speculative
 *   decoding, `vllm:spec_decode_num_drafts`, `..._num_draft_tokens`, `..._num_accepted_tokens`
 *   (`v1/spec_decode/metrics.py:229-231`). Labels `model_name`, `engine` (loggers.py:499).
 * - **Histograms** `vllm:time_to_first_token_seconds` (931) and `vllm:inter_token_latency_seconds`
 *   (941) with vLLM's default buckets (`v1/metrics/buckets.py:57, 84`).
 * - **Timing.** TTFT = `baseTtftMs` + uncached prompt tokens x `prefillMsPerToken`; prefills of
 *   concurrent requests run one after another (one GPU), decode pieces every 3 x `interTokenMs`.
 * - **Tokens** are `charsPerToken` characters of a Qwen-style rendering of the messages
 *   (`<|im_start|>role ... <|im_end|>`), so appending to a conversation appends tokens.
 * @module
 */
import { createHash } from "node:crypto";
import type { ChatContext, StandInRoute } from "./vllm-endpoint.js";
import type { ChatReply } from "./chat-response.js";
import type { ChatRequest } from "./chat-request.js";

/** vLLM 0.33 `TIME_TO_FIRST_TOKEN_BUCKETS` (`v1/metrics/buckets.py:57`), seconds. */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
/** vLLM 0.33 `INTER_TOKEN_LATENCY_BUCKETS` (`v1/metrics/buckets.py:84`), seconds. */
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];

/** Options; every field has a default. Times in milliseconds. */
export interface EngineOptions {
  /** Prefix-cache block, tokens. Default 64. */
  blockTokens?: number;
  /** Most blocks kept (LRU). Default 1,000,000. */
  maxCachedBlocks?: number;
  /** TTFT with nothing to prefill. Default 5. */
  baseTtftMs?: number;
  /** Prefill time per uncached prompt token. Default 0.02 (50K tokens/s). */
  prefillMsPerToken?: number;
  /** Decode time per token. Default 1. */
  interTokenMs?: number;
  /** Characters per token. Default 4. */
  charsPerToken?: number;
  /** Tokens a text answer has at most (also capped by the request's max_tokens). Default 48. */
  answerTokens?: number;
  /** Speculative decoding: draft tokens per step and the chance each is accepted. */
  specDecode?: { draftTokens: number; acceptance: number };
  /** Put Qwen3-Coder tool-call markup into `content` instead of a structured call (a parser leak, vLLM #30439). */
  leakToolMarkup?: boolean;
  /**
   * The prefix cache never hits (queries counted, hits 0): what MTP with prefix caching on the
   * hybrid coder was reported to do (vLLM #47194, #54360).
   */
  prefixCacheNeverHits?: boolean;
  /**
   * `--enable-prompt-tokens-details`: usage carries `prompt_tokens_details: { cached_tokens }`, as vLLM
   * 0.33 builds it (`entrypoints/openai/chat_completion/serving.py:95-114`, `_make_prompt_tokens_details`;
   * off by default, `entrypoints/common/cli_args.py:156`). Default false.
   */
  promptTokensDetails?: boolean;
}

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: number[]) {
    this.counts = bounds.map(() => 0);
  }
  observe(v: number, times = 1): void {
    this.bounds.forEach((b, i) => {
      if (v <= b) this.counts[i] += times;
    });
    this.sum += v * times;
    this.count += times;
  }
  lines(name: string, labels: string): string[] {
    return [
      `# HELP ${name} Histogram of ${name.slice(5)}.`,
      `# TYPE ${name} histogram`,
      ...this.bounds.map((b, i) => `${name}_bucket{${labels},le="${Number.isInteger(b) ? b.toFixed(1) : String(b)}"} ${this.counts[i].toFixed(1)}`),
      `${name}_bucket{${labels},le="+Inf"} ${this.count.toFixed(1)}`,
      `${name}_count{${labels}} ${this.count.toFixed(1)}`,
      `${name}_sum{${labels}} ${this.sum}`,
    ];
  }
}

/** The engine state tests can read. */
export interface EngineCounters {
  prefixCacheQueries: number;
  prefixCacheHits: number;
  promptTokens: number;
  generationTokens: number;
  requests: number;
  specDrafts: number;
  specDraftTokens: number;
  specAcceptedTokens: number;
}

/** A running engine emulation: its `respond`, its `/metrics` route and its counters. */
export interface VllmEngine {
  respond(ctx: ChatContext): Promise<ChatReply>;
  metricsRoute: StandInRoute;
  counters: EngineCounters;
  /** Per request: prompt tokens, cached tokens, TTFT the engine waited. */
  log: { promptTokens: number; cachedTokens: number; ttftMs: number }[];
}

/** The prompt as the chat template would lay it out (Qwen `<|im_start|>` turns, tools first). */
export function renderPrompt(request: ChatRequest): string {
  const turn = (role: string, text: string) => `<|im_start|>${role}\n${text}<|im_end|>\n`;
  let out = request.tools?.length ? turn("system", `# Tools\n${JSON.stringify(request.tools)}`) : "";
  for (const m of request.messages) {
    const content = typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((p) => ("text" in p ? p.text : "<image>")).join("") : "";
    const calls = "tool_calls" in m && m.tool_calls ? m.tool_calls.map((c) => `<tool_call>\n<function=${c.function.name}>\n${c.function.arguments}\n</function>\n</tool_call>`).join("") : "";
    out += turn(m.role, content + calls);
  }
  return out + "<|im_start|>assistant\n";
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates the engine emulation for a served model name. */
export function vllmEngine(model: string, options: EngineOptions = {}): VllmEngine {
  const o = {
    blockTokens: 64,
    maxCachedBlocks: 1_000_000,
    baseTtftMs: 5,
    prefillMsPerToken: 0.02,
    interTokenMs: 1,
    charsPerToken: 4,
    answerTokens: 48,
    ...options,
  };
  const cache = new Map<string, true>(); // insertion order = LRU order
  const counters: EngineCounters = { prefixCacheQueries: 0, prefixCacheHits: 0, promptTokens: 0, generationTokens: 0, requests: 0, specDrafts: 0, specDraftTokens: 0, specAcceptedTokens: 0 };
  const ttft = new Histogram(TTFT_BUCKETS);
  const itl = new Histogram(ITL_BUCKETS);
  const log: VllmEngine["log"] = [];
  let prefillQueue: Promise<void> = Promise.resolve();

  /** Cached tokens of a prompt, and the block hashes to store after it ran. */
  function lookup(prompt: string): { tokens: number; cached: number; hashes: string[] } {
    const tokens = Math.ceil(prompt.length / o.charsPerToken);
    const blockChars = o.blockTokens * o.charsPerToken;
    const hashes: string[] = [];
    let h = "";
    for (let i = 0; (i + 1) * blockChars <= prompt.length; i += 1) {
      h = createHash("sha256").update(h).update(prompt.slice(i * blockChars, (i + 1) * blockChars)).digest("hex");
      hashes.push(h);
    }
    let hitBlocks = 0;
    while (hitBlocks < hashes.length && cache.has(hashes[hitBlocks])) hitBlocks += 1;
    // vLLM always computes the last prompt token itself.
    const cached = Math.min(hitBlocks * o.blockTokens, Math.floor((tokens - 1) / o.blockTokens) * o.blockTokens);
    return { tokens, cached, hashes };
  }

  function store(hashes: string[]): void {
    for (const h of hashes) {
      cache.delete(h);
      cache.set(h, true);
    }
    while (cache.size > o.maxCachedBlocks) cache.delete(cache.keys().next().value!);
  }

  async function respond({ request }: ChatContext): Promise<ChatReply> {
    const prompt = renderPrompt(request);
    const found = lookup(prompt);
    const { tokens, hashes } = found;
    const cached = o.prefixCacheNeverHits ? 0 : found.cached;
    counters.requests += 1;
    counters.prefixCacheQueries += tokens;
    counters.prefixCacheHits += cached;
    counters.promptTokens += tokens;
    // Prefills run one at a time; the first token comes when this request's prefill is done.
    const arrived = performance.now();
    const prefill = prefillQueue.then(() => pause(o.baseTtftMs + (tokens - cached) * o.prefillMsPerToken));
    prefillQueue = prefill;
    await prefill;
    store(hashes);
    const waited = performance.now() - arrived;
    ttft.observe(waited / 1000);
    log.push({ promptTokens: tokens, cachedTokens: cached, ttftMs: waited });

    const lastUser = [...request.messages].reverse().find((m) => m.role === "user");
    const asked = typeof lastUser?.content === "string" && /call the \w+ tool|call \w+_\w+/i.test(lastUser.content);
    const tool = request.tools?.[0];
    const args = JSON.stringify({ path: "infra/bench/run.ts", reason: `turn ${counters.requests}` });
    const maxTokens = request.max_tokens ?? request.max_completion_tokens ?? o.answerTokens;
    let reply: ChatReply;
    if (tool && asked && o.leakToolMarkup) {
      reply = { content: `<tool_call>\n<function=${tool.function.name}>\n<parameter=path>\ninfra/bench/run.ts\n</parameter>\n</function>\n</tool_call>` };
    } else if (tool && asked) {
      reply = { content: "", toolCalls: [{ id: `chatcmpl-tool-standin${counters.requests}`, name: tool.function.name, arguments: args }] };
    } else {
      const words = Array.from({ length: Math.min(o.answerTokens, maxTokens) }, (_, i) => `w${i}`);
      reply = { content: words.join(" ").slice(0, Math.min(o.answerTokens, maxTokens) * o.charsPerToken) };
    }
    const text = reply.content + (reply.toolCalls?.map((c) => c.name + c.arguments).join("") ?? "");
    const completion = Math.max(1, Math.ceil(text.length / o.charsPerToken));
    counters.generationTokens += completion;
    itl.observe(o.interTokenMs / 1000, completion - 1);
    if (o.specDecode) {
      const { draftTokens, acceptance } = o.specDecode;
      const perStep = (1 - acceptance ** (draftTokens + 1)) / (1 - acceptance);
      const steps = Math.ceil(completion / perStep);
      counters.specDrafts += steps;
      counters.specDraftTokens += steps * draftTokens;
      counters.specAcceptedTokens += Math.round(steps * draftTokens * acceptance);
    }
    // The stand-in streams 12-character pieces: ~3 tokens of decode time each.
    return { ...reply, firstTokenDelayMs: 0, pieceDelayMs: (12 / o.charsPerToken) * o.interTokenMs, usage: { prompt_tokens: tokens, completion_tokens: completion, ...(o.promptTokensDetails ? { prompt_tokens_details: { cached_tokens: cached } } : {}) } };
  }

  const labels = `engine="0",model_name="${model}"`;
  const counter = (name: string, help: string, value: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}{${labels}} ${value.toFixed(1)}`];
  const metricsRoute: StandInRoute = {
    method: "GET",
    path: "/metrics",
    handle: ({ res }) => {
      const page = [
        "# HELP python_gc_objects_collected_total Objects collected during gc",
        "# TYPE python_gc_objects_collected_total counter",
        'python_gc_objects_collected_total{generation="0"} 12345.0',
        ...counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", counters.prefixCacheQueries),
        ...counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", counters.prefixCacheHits),
        ...counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", counters.promptTokens),
        ...counter("vllm:generation_tokens_total", "Number of generation tokens processed.", counters.generationTokens),
        ...(o.specDecode
          ? [
              ...counter("vllm:spec_decode_num_drafts_total", "Number of spec decoding drafts.", counters.specDrafts),
              ...counter("vllm:spec_decode_num_draft_tokens_total", "Number of draft tokens.", counters.specDraftTokens),
              ...counter("vllm:spec_decode_num_accepted_tokens_total", "Number of accepted tokens.", counters.specAcceptedTokens),
            ]
          : []),
        ...ttft.lines("vllm:time_to_first_token_seconds", labels),
        ...itl.lines("vllm:inter_token_latency_seconds", labels),
        "",
      ].join("\n");
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(page);
    },
  };
  return { respond, metricsRoute, counters, log };
}
