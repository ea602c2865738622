/**
 * Selection logic: from a deployment's choice of cold-start mode and compile cache to the exact
 * shim parameters (decorator, options, Volumes, vLLM flags, env), plus a labelled
 * estimate of the startup time for the cost report.
 * @module
 */
import { COLD_START_MODE_FACTS, COMPILE_CACHE, type ColdStartMode, type VolumeMount } from "./modes";

/**
 * The default mode: weights baked into the image, with the compile cache on. Chosen because it
 * works on every Modal workspace (GPU snapshots are alpha and need access), needs no download at
 * start (unlike `volume` on its first start), pins the weights inside the image, and keeps
 * CUDA graphs and torch.compile. Rationale and figures: docs/coldstart.md.
 */
export const DEFAULT_COLD_START_MODE: ColdStartMode = "image";

/** A deployment's cold-start choice (absent fields take the defaults). */
export interface ColdStartChoice {
  mode?: ColdStartMode;
  /** Mount the compile-cache Volume and keep compilation (default true); false renders --enforce-eager. */
  compileCache?: boolean;
}

/** What the shim renderer must emit for a choice. */
export interface ColdStartShimPlan {
  mode: ColdStartMode;
  decorator: "app.function" | "app.cls";
  decoratorOptions: Readonly<Record<string, unknown>>;
  /** Every Volume to mount, mode Volumes first. */
  volumes: VolumeMount[];
  /** vLLM flags to add. */
  vllmFlags: string[];
  env: Record<string, string>;
  /** Whether weights are baked into the image at build (`Image.run_function(download_weights)`). */
  bakeWeights: boolean;
  /** Things `plan` should show. */
  notes: string[];
}

/**
 * Resolves a cold-start choice into shim parameters.
 * @throws Error for a mode that is not one of COLD_START_MODES.
 */
export function coldStartShimPlan(choice: ColdStartChoice = {}): ColdStartShimPlan {
  const mode = choice.mode ?? DEFAULT_COLD_START_MODE;
  const facts = COLD_START_MODE_FACTS[mode];
  if (!facts) throw new Error(`unknown cold-start mode "${mode}"; allowed: ${Object.keys(COLD_START_MODE_FACTS).join(", ")}`);
  const compileCache = choice.compileCache ?? true;
  const notes = [...facts.caveats];
  const vllmFlags = [...facts.vllmFlags];
  if (!compileCache && mode === "snapshot") {
    notes.push("without the compile cache every snapshot-taking boot recompiles; the snapshot itself keeps the compiled state");
  } else if (!compileCache) {
    vllmFlags.push(COMPILE_CACHE.omittedFlag);
    notes.push("--enforce-eager: faster boots, no CUDA graphs or torch.compile (slower decoding, most at small batches)");
  }
  return {
    mode,
    decorator: facts.decorator,
    decoratorOptions: facts.decoratorOptions,
    volumes: compileCache ? [...facts.volumes, COMPILE_CACHE.volume, COMPILE_CACHE.kernelVolume] : [...facts.volumes],
    vllmFlags,
    env: { ...facts.env },
    bakeWeights: facts.weights === "image",
    notes,
  };
}

/**
 * ESTIMATE: weight read speed from a Modal Volume, bytes/second: the middle of the "one to two GB/s"
 * Modal's lfm_snapshot example reports (modal-labs/modal-examples:06_gpu_and_ml/llm-serving/lfm_snapshot.py);
 * assumed the same for weights in the image (no figure found).
 */
export const WEIGHT_READ_BYTES_PER_SECOND = 1.5e9;

/**
 * ESTIMATE: seconds vLLM spends after the weights are read (engine init, profiling, KV allocation,
 * and with compilation on, torch.compile from a warm cache plus CUDA-graph capture). Not measured
 * for these models; labelled planning figures.
 */
export const ENGINE_START_SECONDS = { eager: 30, compiled: 60 } as const;

/**
 * ESTIMATE: speed-up of a snapshot restore over a full start, the 6.5x reported for vLLM serving
 * Qwen3.6-27B-FP8 on a Modal A100-80GB (460 s -> ~70 s; logeshumapathi.com/blog/2026/05/17/vllm-serverless.html,
 * with the other reported figures in docs/coldstart.md).
 */
export const SNAPSHOT_SPEEDUP = 6.5;

/**
 * Planning estimate of the seconds from container start to serving (what a cold start bills),
 * for a warm compile cache and (volume, snapshot) weights already in the Volume.
 * @param weightBytes bytes of the checkpoint (model registry's `weightBytes`).
 */
export function estimateStartupSeconds(choice: ColdStartChoice, weightBytes: number): number {
  const mode = choice.mode ?? DEFAULT_COLD_START_MODE;
  const compiled = (choice.compileCache ?? true) || mode === "snapshot";
  const full = weightBytes / WEIGHT_READ_BYTES_PER_SECOND + ENGINE_START_SECONDS[compiled ? "compiled" : "eager"];
  return mode === "snapshot" ? full / SNAPSHOT_SPEEDUP : full;
}
