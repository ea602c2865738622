/**
 * A `bench` result as a text table for a terminal.
 * @module
 */
import type { BenchResult, Spread } from "./results";

const n = (x: number) => x.toLocaleString("en-US");
const s = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(2)} s`);
const rate = (x: number | null) => (x === null ? "-" : `${x.toFixed(1)} tok/s`);
const pct = (x: number | null | undefined) => (x === null || x === undefined ? "-" : `${(x * 100).toFixed(1)}%`);
const usd = (x: number | null) => (x === null ? "-" : `$${x.toFixed(x < 1 ? 4 : 2)}`);

function row(label: string, spread: Spread, fmt: (x: number | null) => string): string[] {
  return [label, fmt(spread.p50), fmt(spread.p90), String(spread.n)];
}

/** Renders the result: a percentile table, then one line per other figure. */
export function formatBenchResult(r: BenchResult, savedTo?: string): string {
  const w = r.workload;
  const head =
    `bench: ${r.target.deployment ?? "endpoint"} (${r.target.model}) at ${r.target.url}: ${w.sessions} sessions x ${w.turns} turns, ` +
    `~${n(w.contextTokens)}-token contexts${w.firstPromptTokens ? ` (first prompts ${n(Math.round(w.firstPromptTokens))} tokens by the server's count)` : ""} growing ~${n(w.turnTokens)} tokens a turn${r.target.configHash ? `, config ${r.target.configHash.slice(0, 12)}` : ""}`;
  const table = [
    ["", "p50", "p90", "n"],
    row("TTFT, first turn (uncached)", r.ttft.firstTurnMs, s),
    row("TTFT, later turns (cached prefix)", r.ttft.laterTurnsMs, s),
    row("decode per stream", r.decode.perStreamTokensPerSecond, rate),
    row("tool-call round trip", r.toolCalls.roundTripMs, s),
    ...(r.server
      ? [
          row("server TTFT (vLLM histogram)", r.server.ttftSeconds, (x) => (x === null ? "-" : `${x.toFixed(3)} s`)),
          row("inter-token latency (histogram)", r.server.interTokenSeconds, (x) => (x === null ? "-" : `${(x * 1000).toFixed(1)} ms`)),
        ]
      : []),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((c) => c[i].length)));
  const lines = table.map((c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ").trimEnd());
  const pc = r.prefixCache;
  const facts: [string, string][] = [
    ["prefix-cache hit rate", pc
        ? `${pct(pc.hitRate)} (${n(pc.hitTokens)} of ${n(pc.queriedTokens)} queried tokens, /metrics delta)`
        : r.server
          ? "- (/metrics has no vllm:prefix_cache_queries/hits counters: prefix caching off, or not vLLM)"
          : "- (/metrics not readable)"],
    ...(r.usageCache
      ? ([
          [
            "cached tokens (usage)",
            `${pct(r.usageCache.hitRate)} (${n(r.usageCache.cachedTokens)} of ${n(r.usageCache.promptTokens)} prompt tokens), later turns ${pct(r.usageCache.laterTurnsHitRate)}; per response, on whichever container served it`,
          ],
        ] as [string, string][])
      : []),
    ...(r.sessionIds !== undefined ? ([["session IDs", r.sessionIds ? "Modal-Session-ID sent, one per session" : "none sent"]] as [string, string][]) : []),
    ["spec-decode acceptance", r.server?.specDecodeAcceptance == null ? "- (off or no drafts)" : pct(r.server.specDecodeAcceptance)],
    ["tool calls", `${r.toolCalls.structured}/${r.toolCalls.asked} asked turns answered with structured tool_calls; ${r.toolCalls.leaked} turn(s) leaked <tool_call> markup into content`],
    ["aggregate decode", `${rate(r.decode.aggregateTokensPerSecond)} over ${w.sessions} concurrent sessions; ${n(r.tokens.prompt)} prompt + ${n(r.tokens.completion)} generated tokens in ${s(r.durationMs)}`],
    [
      "cost",
      r.cost
        ? `${usd(r.cost.usdPerHour)}/h: ${usd(r.cost.usdPerMillionGeneratedTokens)} per M generated tokens, ${usd(r.cost.usdPerMillionTokens)} per M tokens (prompt + generated), one busy container`
        : "- (no $/hour: pass --usd-per-hour for a bare --url)",
    ],
    ...(r.cold ? ([["cold start", `first token after ${s(r.cold.ttftMs)} (${r.cold.attempts} attempt(s))`]] as [string, string][]) : []),
    ...r.errors.map((e): [string, string] => ["error", e]),
    ...(savedTo ? ([["saved", savedTo]] as [string, string][]) : []),
  ];
  const fw = Math.max(...facts.map(([k]) => k.length));
  return [head, "", ...lines, "", ...facts.map(([k, v]) => `${k.padEnd(fw)}  ${v}`)].join("\n");
}

/**
 * One line comparing a run without session IDs and one with (`bench --session-ids both`): the
 * hit rate per response usage and the later turns' TTFT p50 of each.
 */
export function formatAffinityComparison(without: BenchResult, withIds: BenchResult): string {
  const hit = (r: BenchResult) => pct(r.usageCache?.laterTurnsHitRate ?? r.prefixCache?.hitRate);
  return (
    `session affinity: later-turn cache hit rate ${hit(withIds)} with Modal-Session-ID vs ${hit(without)} without; ` +
    `later-turn TTFT p50 ${s(withIds.ttft.laterTurnsMs.p50)} vs ${s(without.ttft.laterTurnsMs.p50)}`
  );
}
