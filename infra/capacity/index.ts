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
