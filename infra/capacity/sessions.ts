/**
 * Agent sessions per container, for sizing a team deployment on a Modal Server: how many
 * concurrent agent sessions keep their context in one container's prefix cache, and what that
 * means for Modal's autoscaler (`target_concurrency`) and the container count for N sessions.
 *
 * An agent resends its whole growing context every turn; its turn is fast only while that context
 * stays in the KV cache of the container that serves it (Modal's router keeps a session on one
 * container by `Modal-Session-ID`, docs/serving-modes.md). So a container serves as many sessions
 * as its KV cache holds contexts: `floor(cachedTokens / contextTokens)`, with the KV cache from the
 * capacity model (infra/capacity/compute.ts; the linear-attention state of `maxInputs` sequences
 * already reserved) and, on a hybrid model, every cached block also holding one Gated DeltaNet
 * checkpoint (vLLM's align-mode prefix caching, infra/config/serving.ts; see {@link prefixCacheTokens}).
 * An estimate, as the plan's prefix-cache line is.
 * @module
 */

/** Context an agent session holds, tokens, when none is given: half the coder's 131,072-token window (an assumption). */
export const DEFAULT_SESSION_CONTEXT_TOKENS = 65_536;

/**
 * Achievable prefix-cache hit rate of agent sessions against how long an idle session's cache is
 * kept (TraceLab, tracelab.cs.washington.edu: 85.4 % at 1 min, ~94 % at 5 min, 98.6 % at 1 h).
 * Seconds of idle retention → fraction of tokens that could hit.
 */
export const IDLE_RETENTION_HIT_RATES: readonly { seconds: number; hitRate: number }[] = [
  { seconds: 60, hitRate: 0.854 },
  { seconds: 300, hitRate: 0.94 },
  { seconds: 3600, hitRate: 0.986 },
];

/**
 * The team profile's `scaledownWindow`, seconds: 5 minutes, the knee of the TraceLab curve. From 1 to
 * 5 min of retention the achievable hit rate gains 8.6 points (2.15 a minute); from 5 min to 1 h only
 * 4.6 more (0.08 a minute), while every scale-down pays the whole window as an idle GPU tail.
 */
export const TEAM_SCALEDOWN_WINDOW_SECONDS = 300;

/**
 * Tokens of context the KV pool holds as prefix cache: `kvCacheTokens` of attention KV, less what the
 * linear-attention checkpoints of a hybrid model take (one of `checkpointBytes` per `blockTokens`-token
 * block, in the same pool). Without checkpoints (`checkpointBytes` 0): `kvCacheTokens`.
 */
export function prefixCacheTokens(kvCacheTokens: number, kvBytesPerToken: number, checkpointBytes = 0, blockTokens = 1): number {
  return Math.floor((kvCacheTokens * kvBytesPerToken) / (kvBytesPerToken + checkpointBytes / blockTokens));
}

/** The team sizing of one deployment for a number of sessions. */
export interface SessionSizing {
  /** Context per session, tokens. */
  contextTokens: number;
  /** Sessions whose contexts one container's KV cache holds at once (0 when not even one fits). */
  sessionsPerContainer: number;
  /** Sessions asked for. */
  sessions: number;
  /** Containers those sessions need: `ceil(sessions / sessionsPerContainer)` (Infinity when none fits). */
  containers: number;
}

/**
 * Sizes `sessions` agent sessions of `contextTokens` each on containers whose prefix cache holds
 * `cachedTokens` ({@link prefixCacheTokens}).
 * @throws Error when a count is not a positive whole number.
 */
export function sizeSessions(cachedTokens: number, sessions: number, contextTokens: number = DEFAULT_SESSION_CONTEXT_TOKENS): SessionSizing {
  for (const [name, v] of [["sessions", sessions], ["contextTokens", contextTokens]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number (got ${v})`);
  }
  const sessionsPerContainer = Math.max(0, Math.floor(cachedTokens / contextTokens));
  return { contextTokens, sessionsPerContainer, sessions, containers: sessionsPerContainer === 0 ? Infinity : Math.ceil(sessions / sessionsPerContainer) };
}
