/**
 * `status`: for each deployment, whether it is up (health and latency) and what vLLM is doing
 * (its `/metrics`). An app with no running container is reported as scaled to zero without a
 * request, since any request would start a container (and bill GPU time); `wake` asks anyway.
 * @module
 */
import type { Endpoint, ImageEditEndpoint } from "@qwen-code-modal/contract";
import type { ClientContext } from "../endpoints/context";
import { proxyAuthHeaders } from "../endpoints/credentials";
import { authRejectedMessage, describeOutcome, httpCall, isAuthRejection } from "../endpoints/http";
import { histogramQuantile, ratio, readMetrics, summarizeVllmMetrics, type VllmMetrics } from "../endpoints/metrics";
import type { AppTasks } from "./modal-apps";

/** One deployment's status. */
export interface DeploymentStatus {
  deployment: string;
  endpoint: Endpoint | ImageEditEndpoint;
  /** `up`: /health 200; `scaled to zero`: no container, not asked; `down`: asked, not healthy; `unknown`: not asked. */
  state: "up" | "scaled to zero" | "down" | "unknown";
  /** Running containers per Modal, when known. */
  containers?: number;
  /** /health round trip, milliseconds (when asked). */
  latencyMs?: number;
  metrics?: VllmMetrics;
  /** What a coding agent feels, from the same page (since the server started). */
  agent?: AgentMetrics;
  /** Why the state is what it is, or what went wrong. */
  note?: string;
  /** `warm until …` / `cold` (Modal's min_containers, see ./warm.ts); unset when Modal could not say. */
  warm?: string;
}

/**
 * Agent-facing figures from vLLM's counters and histograms since the server started: prefix-cache
 * hit rate (tokens), TTFT and inter-token latency percentiles (seconds, interpolated in vLLM's
 * buckets), speculative-decoding acceptance (accepted / drafted tokens). Null when not measured.
 */
export interface AgentMetrics {
  prefixCacheHitRate: number | null;
  /** Prompt tokens looked up in the prefix cache since the server started (`vllm:prefix_cache_queries`). */
  prefixCacheQueriedTokens: number | null;
  ttftP50: number | null;
  ttftP90: number | null;
  itlP50: number | null;
  itlP90: number | null;
  specDecodeAcceptance: number | null;
}

/** Reads {@link AgentMetrics} from a `/metrics` page. @throws Error when it is not Prometheus text. */
export function agentMetrics(text: string): AgentMetrics {
  const { counters: c, histograms: h } = readMetrics(text);
  return {
    prefixCacheHitRate: ratio(c.prefixCacheHits, c.prefixCacheQueries),
    prefixCacheQueriedTokens: c.prefixCacheQueries ?? null,
    ttftP50: histogramQuantile(h.ttft, 0.5),
    ttftP90: histogramQuantile(h.ttft, 0.9),
    itlP50: histogramQuantile(h.interToken, 0.5),
    itlP90: histogramQuantile(h.interToken, 0.9),
    specDecodeAcceptance: ratio(c.specAcceptedTokens, c.specDraftTokens),
  };
}

/** How to look. */
export interface StatusOptions {
  /** Ask the endpoints even when Modal says no container runs (starts one) or Modal cannot say. */
  wake: boolean;
  /** Limit per request, milliseconds (Modal's 303s followed within it). */
  timeoutMs: number;
  /** Called when a request is held past Modal's limit and its result URL is followed (a cold start). */
  onHeld?: (deployment: string, line: string) => void;
}

async function statusOne(
  context: ClientContext,
  deployment: string,
  endpoint: Endpoint | ImageEditEndpoint,
  apps: AppTasks | Error,
  options: StatusOptions,
): Promise<DeploymentStatus> {
  const containers = apps instanceof Error ? undefined : (apps.get(endpoint.app) ?? 0);
  const base = { deployment, endpoint, containers };
  if (!options.wake && containers === 0) return { ...base, state: "scaled to zero", note: "no container running; --wake starts one" };
  if (!options.wake && apps instanceof Error) return { ...base, state: "unknown", note: `${apps.message}; --wake asks the endpoint (may start a container)` };
  const headers = proxyAuthHeaders(context.credentials);
  const started = performance.now();
  const onResultUrl = (hop: number) =>
    options.onHeld?.(deployment, `held by Modal past its 150 s limit (cold start), following the result URL (303 #${hop}), ${Math.round((performance.now() - started) / 1000)} s so far`);
  const health = await httpCall(`${endpoint.url}/health`, { headers, timeoutMs: options.timeoutMs, onResultUrl });
  if (health.status !== 200) {
    const note = isAuthRejection(health.status) ? authRejectedMessage(context.config.proxyAuth, health.status!) : `/health: ${describeOutcome(health)}`;
    return { ...base, state: "down", latencyMs: health.ms, note };
  }
  // An image-edit app's /health is its CPU web function; it has no vLLM metrics page.
  if (endpoint.role === "image-edit") return { ...base, state: "up", latencyMs: health.ms, note: "diffusers (no vLLM metrics); jobs run one per GPU container" };
  const page = await httpCall(`${endpoint.url}/metrics`, { headers, timeoutMs: options.timeoutMs, onResultUrl });
  if (page.status !== 200) return { ...base, state: "up", latencyMs: health.ms, note: `/metrics: ${describeOutcome(page)}` };
  try {
    return { ...base, state: "up", latencyMs: health.ms, metrics: summarizeVllmMetrics(page.text), agent: agentMetrics(page.text) };
  } catch (err) {
    return { ...base, state: "up", latencyMs: health.ms, note: `/metrics is not Prometheus text (${(err as Error).message})` };
  }
}

/**
 * Looks at every deployment of the endpoint config.
 * @param apps - running containers per app from Modal, or why Modal could not say.
 */
export function collectStatus(context: ClientContext, apps: AppTasks | Error, options: StatusOptions): Promise<DeploymentStatus[]> {
  const all = [...Object.entries(context.config.endpoints), ...Object.entries(context.config.imageEdits ?? {})];
  return Promise.all(all.map(([name, e]) => statusOne(context, name, e, apps, options)));
}

const num = (v: number | undefined) => (v === undefined ? "-" : String(v));

/** The status as a text table, one row per deployment, then notes. */
export function formatStatus(rows: DeploymentStatus[]): string {
  const header = ["deployment", "app", "state", "containers", "latency", "running", "waiting", "KV cache", "prompt tok", "gen tok", "warm"];
  const cells = rows.map((r) => [
    r.deployment,
    r.endpoint.app,
    r.state,
    num(r.containers),
    r.latencyMs === undefined ? "-" : `${r.latencyMs} ms`,
    num(r.metrics?.running),
    num(r.metrics?.waiting),
    r.metrics?.kvCacheUsage === undefined ? "-" : `${(r.metrics.kvCacheUsage * 100).toFixed(1)}%`,
    num(r.metrics?.promptTokens),
    num(r.metrics?.generationTokens),
    r.warm ?? "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `${r.deployment}: ${r.note}`);
  return [line(header), ...cells.map(line), ...formatAgentMetrics(rows), ...(notes.length ? ["", ...notes] : [])].join("\n");
}

const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);
const pair = (a: number | null, b: number | null, unit: "s" | "ms") =>
  a === null || b === null ? "-" : unit === "s" ? `${a.toFixed(2)} / ${b.toFixed(2)} s` : `${(a * 1000).toFixed(1)} / ${(b * 1000).toFixed(1)} ms`;

/**
 * Prompt tokens a coder must have looked up before a prefix-cache hit rate of 0 is a warning:
 * about ten agent turns (a coding agent's prompt repeats its system prompt and tools, 10K+ tokens).
 */
export const PREFIX_CACHE_ZERO_WARN_TOKENS = 100_000;

/**
 * The warning for a running coder whose prefix cache has never hit over many queries: on this
 * hybrid model that is the MTP + prefix-caching failure of the engine safety matrix
 * (infra/config/engine-safety.ts; vLLM #47194, #54360), or prompts that do not share a prefix.
 */
export function prefixCacheWarning(r: DeploymentStatus): string | undefined {
  const a = r.agent;
  if (r.endpoint.role !== "coder" || !a || a.prefixCacheHitRate !== 0 || (a.prefixCacheQueriedTokens ?? 0) < PREFIX_CACHE_ZERO_WARN_TOKENS) return undefined;
  return (
    `warning: ${r.deployment}: prefix-cache hit rate 0 over ${a.prefixCacheQueriedTokens} queried prompt tokens: agent turns share their prefix, so caching is not working. ` +
    "With MTP on this hybrid model see the engine safety matrix in `plan` (vLLM #47194, #54360); try speculativeDecoding off or prefixCaching.sharedPrefixCheckpoint"
  );
}

/** The agent figures as a second table (deployments with a readable /metrics page only). */
function formatAgentMetrics(rows: DeploymentStatus[]): string[] {
  const measured = rows.filter((r) => r.agent);
  if (measured.length === 0) return [];
  const header = ["deployment", "prefix-cache hits", "TTFT p50 / p90", "ITL p50 / p90", "spec-decode acceptance"];
  const cells = measured.map((r) => {
    const a = r.agent!;
    return [r.deployment, pct(a.prefixCacheHitRate), pair(a.ttftP50, a.ttftP90, "s"), pair(a.itlP50, a.itlP90, "ms"), a.specDecodeAcceptance === null ? "- (off)" : pct(a.specDecodeAcceptance)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  const warnings = measured.map(prefixCacheWarning).filter((w): w is string => w !== undefined);
  return ["", line(header), ...cells.map(line), ...warnings];
}
