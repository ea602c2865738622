/**
 * Capacity planning: model architecture registry and the KV-cache capacity computation.
 * @module
 */
export { computeCapacity } from "./compute";
export { knownModel, MODEL_REGISTRY } from "./models";
export type { ModelFacts, LinearAttentionFacts, VisionFacts } from "./models";
export { kvCacheDtypeBytes } from "./kv-dtype";
export { kvBytesPerToken, linearStateBytesPerSequence } from "./kv-geometry";
export { FAR_ABOVE_FACTOR } from "./verdict";
export type { CapacityInput, CapacityReport, KnownCapacityReport, UnknownCapacityReport, MemoryBreakdown } from "./types";
export type { Source, Confidence } from "./sources";
export { DEFAULT_SESSION_CONTEXT_TOKENS, IDLE_RETENTION_HIT_RATES, prefixCacheTokens, TEAM_SCALEDOWN_WINDOW_SECONDS, sizeSessions } from "./sessions";
export type { SessionSizing } from "./sessions";
