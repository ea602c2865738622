/**
 * Cold-start modes (weights in the image, in a Volume, or a GPU memory snapshot), the compile-cache
 * Volume, and the selection logic the shim renderer uses. Reported figures: docs/coldstart.md.
 * @module
 */
export {
  COLD_START_MODES,
  COLD_START_MODE_FACTS,
  COMPILE_CACHE,
  COMPILE_CACHE_VOLUME,
  FLASHINFER_CACHE_VOLUME,
  HF_CACHE_VOLUME,
  SNAPSHOT_METHODS,
} from "./modes";
export type { ColdStartMode, ColdStartModeFacts, VolumeMount } from "./modes";
export {
  coldStartShimPlan,
  DEFAULT_COLD_START_MODE,
  ENGINE_START_SECONDS,
  estimateStartupSeconds,
  SNAPSHOT_SPEEDUP,
  WEIGHT_READ_BYTES_PER_SECOND,
} from "./select";
export type { ColdStartChoice, ColdStartShimPlan } from "./select";
