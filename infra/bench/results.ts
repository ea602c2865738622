/**
 * `bench` results on disk: one JSON file per deployment and config hash, so `plan` can show the
 * last measured figures of exactly the configuration it plans (same shim inputs hash).
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomically } from "../core/files";
import type { Variables } from "../core/environment";

/** Percentiles of a sample, milliseconds or tokens/s; null fields when the sample was empty. */
export interface Spread {
  n: number;
  p50: number | null;
  p90: number | null;
  mean: number | null;
}

/** What one `bench` run measured. Times in milliseconds, rates in tokens per second, money in USD. */
export interface BenchResult {
  version: 1;
  /** ISO 8601 time the run finished. */
  at: string;
  target: {
    /** Deployment name from the endpoint config; null for a bare `--url`. */
    deployment: string | null;
    url: string;
    model: string;
    /** Shim inputs SHA-256 of the deployment's config (as `plan` shows it); null for a bare `--url`. */
    configHash: string | null;
  };
  workload: {
    sessions: number;
    turns: number;
    /** Approximate tokens of source text in each session's first prompt. */
    contextTokens: number;
    /** Approximate tokens each later turn appends (tool result + question). */
    turnTokens: number;
    maxTokens: number;
    /** Where the source text came from. */
    corpus: string;
    /** Prompt tokens of the first turns as the server counted them (usage), mean; null without usage. */
    firstPromptTokens: number | null;
  };
  /** Client-side time to first token: first turn of each session (nothing cached) and later turns. */
  ttft: { firstTurnMs: Spread; laterTurnsMs: Spread };
  /** From `/metrics` before and after: `vllm:prefix_cache_hits` / `vllm:prefix_cache_queries` deltas (tokens). */
  prefixCache: { queriedTokens: number; hitTokens: number; hitRate: number | null } | null;
  /** Whether each session sent its own `Modal-Session-ID` (Modal Server affinity); absent in results saved before. */
  sessionIds?: boolean;
  /**
   * Hit rate from the responses' `usage.prompt_tokens_details.cached_tokens` (tokens), over all turns
   * and over later turns only; null when the server reports none. Absent in results saved before.
   */
  usageCache?: { promptTokens: number; cachedTokens: number; hitRate: number | null; laterTurnsHitRate: number | null } | null;
  /** Server-side TTFT and inter-token latency over the run (histogram deltas), seconds; null without /metrics. */
  server: { ttftSeconds: Spread; interTokenSeconds: Spread; specDecodeAcceptance: number | null } | null;
  decode: { perStreamTokensPerSecond: Spread; aggregateTokensPerSecond: number | null };
  toolCalls: {
    /** Turns that offered tools and asked for a call. */
    asked: number;
    /** Turns answered with a structured `tool_calls` entry whose arguments parse as JSON. */
    structured: number;
    /** Turns whose `content` carried `<tool_call>` / `<function=` markup (a parser leak). */
    leaked: number;
    /** Request start to the last argument delta of a structured call. */
    roundTripMs: Spread;
  };
  tokens: { prompt: number; completion: number };
  /** At the plan's $/hour (or `--usd-per-hour`), with one container busy for the run's wall time. */
  cost: { usdPerHour: number; usdPerMillionGeneratedTokens: number | null; usdPerMillionTokens: number | null } | null;
  /** `--cold`: time to the first token of a request sent to a scaled-to-zero app. */
  cold: { ttftMs: number; attempts: number } | null;
  /** Wall time of the measured turns. */
  durationMs: number;
  /** Requests that failed (status, error), with what went wrong. */
  errors: string[];
}

/**
 * Default folder for results: `$XDG_STATE_HOME/qwen-code-modal/bench`, else
 * `~/.local/state/qwen-code-modal/bench`.
 */
export function defaultBenchDir(env: Variables): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "qwen-code-modal", "bench");
}

/** File of a deployment's result for one config hash. */
export function benchResultPath(dir: string, deployment: string, configHash: string): string {
  return join(dir, `${deployment}-${configHash.slice(0, 16)}.json`);
}

/** Saves a result atomically (creating the folder, keeping the previous run as `.bak`); returns the file written. */
export async function saveBenchResult(path: string, result: BenchResult): Promise<string> {
  await writeFileAtomically(path, `${JSON.stringify(result, null, 2)}\n`, { backup: true });
  return path;
}

/**
 * The last result of a deployment at a config hash, or null when none was saved (or the file is
 * not a result of this format: a stale or foreign file is ignored rather than failing the plan).
 */
export async function readBenchResult(dir: string, deployment: string, configHash: string): Promise<BenchResult | null> {
  try {
    const parsed = JSON.parse(await readFile(benchResultPath(dir, deployment, configHash), "utf8")) as BenchResult;
    return parsed.version === 1 && parsed.target?.configHash === configHash ? parsed : null;
  } catch {
    return null;
  }
}
