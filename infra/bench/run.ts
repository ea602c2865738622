/**
 * Runs the coding-agent workload against one endpoint and measures it: client-side time to first
 * token per turn, decode speed per stream and in aggregate, streamed tool-call round trips, and,
 * from vLLM's `/metrics` read before and after, the prefix-cache hit rate, server-side TTFT and
 * inter-token latency, and speculative-decoding acceptance.
 *
 * The driver is this module on undici rather than `vllm bench serve` or guidellm: those send
 * independent single-turn requests from a dataset, while an agent's cost is in a conversation that
 * grows by turns with tool calls fed back, through Modal's proxy auth and 303 redirects; see
 * docs/agent-endpoints.md ("Why our own driver").
 * @module
 */
import { SESSION_ID_HEADER } from "@qwen-code-modal/contract";
import { describeOutcome, httpCall } from "../endpoints/http";
import { httpStream } from "../endpoints/http-stream";
import { summarizeChatStream, TOOL_CALL_MARKUP } from "../endpoints/chat-stream";
import { bucketDelta, histogramQuantile, ratio, readMetrics, type MetricsReading } from "../endpoints/metrics";
import { CHARS_PER_TOKEN, loadCorpus } from "./corpus";
import { AgentSession, asksForTool, type WorkloadShape } from "./workload";
import type { BenchResult, Spread } from "./results";

/** Where and how to run. Times in milliseconds. */
export interface BenchTarget {
  /** Endpoint root URL (`/metrics`, `/health` live here); the OpenAI base URL is `url + "/v1"`. */
  url: string;
  model: string;
  /** Proxy-auth headers (Modal-Key / Modal-Secret). */
  headers: Record<string, string>;
  deployment: string | null;
  configHash: string | null;
  /** $/hour of the deployment's GPUs, for cost per token; null: no cost figures. */
  usdPerHour: number | null;
  /**
   * Send a `Modal-Session-ID` per session (`<sessionIdPrefix>-<session>`), as agents on a Modal
   * Server do (contract/src/session-affinity.ts); absent: none sent.
   */
  sessionIdPrefix?: string;
}

/** Options of {@link runBench}. */
export interface BenchOptions extends WorkloadShape {
  /** Limit for each request, milliseconds. */
  requestTimeoutMs: number;
  /** Folders of source text (default: see corpus.ts). */
  corpusDirs?: string[];
  /** Measure a cold start first: the first request's time to first token, retried through 5xx until this many ms. */
  coldTimeoutMs?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Index of the first session: a later pass starts past the text earlier passes sent, so it finds nothing cached. Default 0. */
  firstSession?: number;
}

/** Percentiles of a sample. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, p50: null, p90: null, mean: null };
  const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: v.length, p50: round(at(0.5)), p90: round(at(0.9)), mean: round(v.reduce((a, b) => a + b, 0) / v.length) };
}

/**
 * Fewest generated tokens a turn needs for its per-stream decode rate to count: the rate is
 * `(tokens - 1) / (last token - first token)`, and over a handful of tokens one scheduling pause or
 * one chunk carrying several tokens decides it. A turn ended early (a tool call, a stop) is left out.
 */
export const MIN_DECODE_TOKENS = 16;

async function readMetricsPage(target: BenchTarget, timeoutMs: number): Promise<MetricsReading | null> {
  const page = await httpCall(`${target.url}/metrics`, { headers: target.headers, timeoutMs });
  if (page.status !== 200) return null;
  try {
    return readMetrics(page.text);
  } catch {
    return null;
  }
}

/** Time to first token of one small request to an app with no container, retried through the 5xx of a booting server. */
async function measureCold(target: BenchTarget, timeoutMs: number, log: (l: string) => void): Promise<{ ttftMs: number; attempts: number }> {
  const started = performance.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const left = timeoutMs - (performance.now() - started);
    const out = await httpStream(`${target.url}/v1/chat/completions`, {
      headers: target.headers,
      timeoutMs: Math.max(1000, left),
      json: { model: target.model, messages: [{ role: "user", content: "Say OK." }], max_tokens: 4, stream: true },
    });
    if (out.status === 200) {
      const first = summarizeChatStream(out.events).firstTokenAt ?? out.ms;
      return { ttftMs: Math.round(performance.now() - started - out.ms + first), attempts };
    }
    const retriable = out.status === undefined || out.status >= 500;
    if (!retriable || performance.now() - started >= timeoutMs) {
      throw new Error(`cold start: ${describeOutcome(out)} after ${Math.round((performance.now() - started) / 1000)} s: ${out.text.slice(0, 200)}`);
    }
    log(`cold start: ${describeOutcome(out)}, retrying (${Math.round((performance.now() - started) / 1000)} s so far)`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Characters of source one session reads over all its turns (plus a margin for the questions). */
function sessionChars(shape: WorkloadShape): number {
  return Math.round((shape.contextTokens + shape.turns * shape.turnTokens) * CHARS_PER_TOKEN) + 4096;
}

interface TurnMeasure {
  session: number;
  turn: number;
  ttftMs?: number;
  decodeTokensPerSecond?: number;
  promptTokens: number;
  /** `usage.prompt_tokens_details.cached_tokens`, when the server reports it (vLLM `--enable-prompt-tokens-details`). */
  cachedTokens?: number;
  completionTokens: number;
  askedTool: boolean;
  structuredCall: boolean;
  leaked: boolean;
  toolRoundTripMs?: number;
}

async function runSession(
  target: BenchTarget,
  corpus: string,
  index: number,
  options: BenchOptions,
  errors: string[],
  log: (l: string) => void,
): Promise<TurnMeasure[]> {
  // Sessions start a whole session's text apart, so they share no source text.
  const session = new AgentSession(corpus, index * sessionChars(options), options);
  const out: TurnMeasure[] = [];
  const headers = target.sessionIdPrefix ? { ...target.headers, [SESSION_ID_HEADER]: `${target.sessionIdPrefix}-${index}` } : target.headers;
  for (let turn = 0; turn < options.turns; turn += 1) {
    const res = await httpStream(`${target.url}/v1/chat/completions`, {
      headers,
      timeoutMs: options.requestTimeoutMs,
      json: session.request(target.model, turn),
    });
    if (res.status !== 200) {
      errors.push(`session ${index} turn ${turn}: ${describeOutcome(res)} ${res.text.slice(0, 200)}`);
      break;
    }
    let s;
    try {
      s = summarizeChatStream(res.events);
    } catch (err) {
      errors.push(`session ${index} turn ${turn}: the stream is not chat.completion.chunk JSON (${(err as Error).message})`);
      break;
    }
    const completion = s.usage?.completion_tokens ?? 0;
    const decodeMs = s.firstTokenAt !== undefined && s.lastTokenAt !== undefined ? s.lastTokenAt - s.firstTokenAt : 0;
    const call = s.toolCalls.find((c) => {
      try {
        JSON.parse(c.arguments);
        return c.name.length > 0;
      } catch {
        return false;
      }
    });
    const m: TurnMeasure = {
      session: index,
      turn,
      ttftMs: s.firstTokenAt,
      decodeTokensPerSecond: completion >= MIN_DECODE_TOKENS && decodeMs > 0 ? (completion - 1) / (decodeMs / 1000) : undefined,
      promptTokens: s.usage?.prompt_tokens ?? 0,
      cachedTokens: s.usage?.prompt_tokens_details?.cached_tokens ?? undefined,
      completionTokens: completion,
      askedTool: asksForTool(turn),
      structuredCall: call !== undefined,
      leaked: TOOL_CALL_MARKUP.test(s.content),
      toolRoundTripMs: call?.lastDeltaAt,
    };
    out.push(m);
    log(`session ${index} turn ${turn}: ${m.promptTokens} prompt tokens, TTFT ${m.ttftMs?.toFixed(0) ?? "?"} ms, ${completion} tokens${call ? `, ${call.name}(…)` : ""}`);
    session.advance({ content: s.content, toolCalls: s.toolCalls }, turn + 1);
  }
  return out;
}

/**
 * Runs the workload and measures it.
 * @throws Error for a failed cold-start measurement (the rest is reported in `errors`).
 */
export async function runBench(target: BenchTarget, options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const cold = options.coldTimeoutMs ? await measureCold(target, options.coldTimeoutMs, log) : null;
  const firstSession = options.firstSession ?? 0;
  const corpus = await loadCorpus(sessionChars(options) * (firstSession + options.sessions), options.corpusDirs);
  const metricsTimeout = Math.min(options.requestTimeoutMs, 30_000);
  const before = await readMetricsPage(target, metricsTimeout);
  const errors: string[] = [];
  const started = performance.now();
  const turns = (
    await Promise.all(Array.from({ length: options.sessions }, (_, i) => runSession(target, corpus.text, firstSession + i, options, errors, log)))
  ).flat();
  const durationMs = Math.round(performance.now() - started);
  const after = before ? await readMetricsPage(target, metricsTimeout) : null;

  const delta = (k: keyof MetricsReading["counters"]) =>
    after?.counters[k] !== undefined && before?.counters[k] !== undefined ? after.counters[k]! - before.counters[k]! : undefined;
  const queried = delta("prefixCacheQueries");
  const hits = delta("prefixCacheHits");
  const quantiles = (b: [number, number][]) => {
    const q = (x: number) => histogramQuantile(b, x);
    const n = b.at(-1)?.[1] ?? 0;
    return { n, p50: q(0.5), p90: q(0.9), mean: null };
  };
  const prompt = turns.reduce((n, t) => n + t.promptTokens, 0);
  const completion = turns.reduce((n, t) => n + t.completionTokens, 0);
  const aggregate = durationMs > 0 && completion > 0 ? completion / (durationMs / 1000) : null;
  const perHour = target.usdPerHour;
  const perMillion = (tokens: number) => (perHour !== null && tokens > 0 && durationMs > 0 ? (perHour / 3600) * (durationMs / 1000) * (1e6 / tokens) : null);
  const asked = turns.filter((t) => t.askedTool);
  return {
    version: 1,
    at: new Date().toISOString(),
    target: { deployment: target.deployment, url: target.url, model: target.model, configHash: target.configHash },
    workload: {
      sessions: options.sessions,
      turns: options.turns,
      contextTokens: options.contextTokens,
      turnTokens: options.turnTokens,
      maxTokens: options.maxTokens,
      corpus: corpus.description,
      firstPromptTokens: spread(turns.filter((t) => t.turn === 0 && t.promptTokens > 0).map((t) => t.promptTokens)).mean,
    },
    ttft: {
      firstTurnMs: spread(turns.filter((t) => t.turn === 0).flatMap((t) => (t.ttftMs === undefined ? [] : [t.ttftMs]))),
      laterTurnsMs: spread(turns.filter((t) => t.turn > 0).flatMap((t) => (t.ttftMs === undefined ? [] : [t.ttftMs]))),
    },
    prefixCache: queried !== undefined && hits !== undefined ? { queriedTokens: queried, hitTokens: hits, hitRate: ratio(hits, queried) } : null,
    sessionIds: target.sessionIdPrefix !== undefined,
    usageCache: usageCache(turns),
    server:
      before && after
        ? {
            ttftSeconds: quantiles(bucketDelta(before.histograms.ttft, after.histograms.ttft)),
            interTokenSeconds: quantiles(bucketDelta(before.histograms.interToken, after.histograms.interToken)),
            specDecodeAcceptance: ratio(delta("specAcceptedTokens"), delta("specDraftTokens")),
          }
        : null,
    decode: {
      perStreamTokensPerSecond: spread(turns.flatMap((t) => (t.decodeTokensPerSecond === undefined ? [] : [t.decodeTokensPerSecond]))),
      aggregateTokensPerSecond: aggregate === null ? null : Math.round(aggregate * 10) / 10,
    },
    toolCalls: {
      asked: asked.length,
      structured: asked.filter((t) => t.structuredCall).length,
      leaked: turns.filter((t) => t.leaked).length,
      roundTripMs: spread(asked.flatMap((t) => (t.toolRoundTripMs === undefined ? [] : [t.toolRoundTripMs]))),
    },
    tokens: { prompt, completion },
    cost:
      perHour === null
        ? null
        : { usdPerHour: perHour, usdPerMillionGeneratedTokens: perMillion(completion), usdPerMillionTokens: perMillion(prompt + completion) },
    cold,
    durationMs,
    errors,
  };
}

/**
 * The prefix-cache hit rate from each response's `usage.prompt_tokens_details.cached_tokens`: what
 * each request found cached on the container that served it, whichever that was. With several
 * containers behind one URL (a Modal Server), `/metrics` shows one container's counters only.
 * @returns null when no response reported cached tokens (vLLM without `--enable-prompt-tokens-details`).
 */
export function usageCache(turns: readonly { turn: number; promptTokens: number; cachedTokens?: number }[]): BenchResult["usageCache"] {
  const reported = turns.filter((t) => t.cachedTokens !== undefined);
  if (reported.length === 0) return null;
  const sum = (list: typeof reported, k: "promptTokens" | "cachedTokens") => list.reduce((n, t) => n + (t[k] ?? 0), 0);
  const later = reported.filter((t) => t.turn > 0);
  return {
    promptTokens: sum(reported, "promptTokens"),
    cachedTokens: sum(reported, "cachedTokens"),
    hitRate: ratio(sum(reported, "cachedTokens"), sum(reported, "promptTokens")),
    laterTurnsHitRate: ratio(sum(later, "cachedTokens"), sum(later, "promptTokens")),
  };
}
