/**
 * Cold-start modes: where the weights live and how a container reaches a serving vLLM, as pure
 * data the shim renderer (infra/render) consumes, rendered by infra/render/shim.ts and checked by
 * the real modal SDK in tests/coldstart. The reported figures behind the modes (cold-start and
 * throughput measurements, with their sources) are in docs/coldstart.md.
 * @module
 */

/** Selectable cold-start modes. `image` and `volume` are the config's `weights` values. */
export const COLD_START_MODES = ["image", "volume", "snapshot"] as const;
export type ColdStartMode = (typeof COLD_START_MODES)[number];

/** A Modal Volume a shim mounts. */
export interface VolumeMount {
  /** Path inside the container. */
  mountPath: string;
  /** `modal.Volume.from_name(name, create_if_missing=True)`. */
  volumeName: string;
  /** Why it is mounted. */
  purpose: string;
}

/** Modal Volume caching Hugging Face downloads (same name infra/render uses). */
export const HF_CACHE_VOLUME: VolumeMount = {
  mountPath: "/root/.cache/huggingface",
  volumeName: "qwen-code-modal-hf-cache",
  purpose: "Hugging Face cache: weights downloaded once, read on every later start",
};

/**
 * Modal Volume for vLLM's compile cache (torch.compile artifacts under ~/.cache/vllm), so CUDA
 * graphs and torch.compile stay on (no --enforce-eager) without recompiling on every cold start.
 * Mount path and pattern: modal-labs/modal-examples vllm_inference.py and lfm_snapshot.py.
 */
export const COMPILE_CACHE_VOLUME: VolumeMount = {
  mountPath: "/root/.cache/vllm",
  volumeName: "qwen-code-modal-vllm-cache",
  purpose: "vLLM compile cache: torch.compile artifacts reused across cold starts",
};

/**
 * Modal Volume for FlashInfer's JIT cache (`$FLASHINFER_WORKSPACE_BASE/.cache/flashinfer`, default
 * `~/.cache/flashinfer`: flashinfer/jit/env.py), so kernels FlashInfer compiles at run time (those not
 * in the prebuilt kernels `vllm download-kernels` installs) are built once, not on every cold start.
 * Mounted with the compile cache.
 */
export const FLASHINFER_CACHE_VOLUME: VolumeMount = {
  mountPath: "/root/.cache/flashinfer",
  volumeName: "qwen-code-modal-flashinfer-cache",
  purpose: "FlashInfer JIT cache: kernels compiled at run time reused across cold starts",
};

/**
 * The lifecycle methods of the snapshot mode's `@modal.cls`, by the hook Modal calls them from: the
 * one list of their names, for the renderer (infra/render/shim.ts) and the shim check.
 * - `@modal.enter(snap=True)`: before the snapshot (start vLLM, warm it up, POST /sleep?level=1);
 * - `@modal.enter(snap=False)`: after every restore (POST /wake_up);
 * - `@modal.exit()`: terminate vLLM.
 */
export const SNAPSHOT_METHODS = { enterSnap: "start_and_sleep", enterRestore: "wake", exit: "stop" } as const;

/** Everything the shim renderer needs to know about one mode. */
export interface ColdStartModeFacts {
  mode: ColdStartMode;
  /** Where the weights come from at start. */
  weights: "image" | "volume";
  /** The Modal decorator that registers the server. */
  decorator: "app.function" | "app.cls";
  /** Extra keyword arguments of that decorator (Python literals as JSON values). */
  decoratorOptions: Readonly<Record<string, unknown>>;
  /** Volumes the mode mounts (the compile cache is added separately, see COMPILE_CACHE_VOLUME). */
  volumes: readonly VolumeMount[];
  /** vLLM flags the mode adds. */
  vllmFlags: readonly string[];
  /** Image environment variables the mode needs. */
  env: Readonly<Record<string, string>>;
  /** Things a user must know before choosing the mode (`plan` shows them). */
  caveats: readonly string[];
}

/** Facts of every mode. */
export const COLD_START_MODE_FACTS: Readonly<Record<ColdStartMode, ColdStartModeFacts>> = {
  image: {
    mode: "image",
    weights: "image",
    decorator: "app.function",
    decoratorOptions: {},
    volumes: [],
    vllmFlags: [],
    env: { HF_XET_HIGH_PERFORMANCE: "1" },
    caveats: [
      "every weight change rebuilds an image as large as the checkpoint (~82 GB for the coder, ~36 GB for the vlm)",
      "no published Modal figure for loading weights from the image filesystem was found",
    ],
  },
  volume: {
    mode: "volume",
    weights: "volume",
    decorator: "app.function",
    decoratorOptions: {},
    volumes: [HF_CACHE_VOLUME],
    vllmFlags: [],
    env: { HF_XET_HIGH_PERFORMANCE: "1", HF_HUB_CACHE: HF_CACHE_VOLUME.mountPath },
    caveats: ["the first start downloads the whole checkpoint from Hugging Face (minutes for 80 GB)"],
  },
  snapshot: {
    mode: "snapshot",
    weights: "volume",
    decorator: "app.cls",
    decoratorOptions: { enable_memory_snapshot: true, experimental_options: { enable_gpu_snapshot: true } },
    volumes: [HF_CACHE_VOLUME],
    vllmFlags: ["--enable-sleep-mode"],
    env: { HF_XET_HIGH_PERFORMANCE: "1", HF_HUB_CACHE: HF_CACHE_VOLUME.mountPath, VLLM_SERVER_DEV_MODE: "1" },
    caveats: [
      "GPU memory snapshots are a Modal alpha feature: the workspace needs access",
      "the first few cold starts (3-5 reported) still boot from scratch while the snapshot is taken",
      "level-1 sleep needs host RAM for the weights (~82 GB for the coder) while asleep",
      "the web endpoint is a `@modal.web_server` method of the class; vLLM is started in the snap=True enter method",
    ],
  },
};

/** Compile-cache facts: the Volume, and the flag it replaces (what each costs and buys: docs/coldstart.md). */
export const COMPILE_CACHE = {
  volume: COMPILE_CACHE_VOLUME,
  /** Mounted with it: FlashInfer's JIT cache. */
  kernelVolume: FLASHINFER_CACHE_VOLUME,
  /** Flag that must NOT be rendered when the compile cache is on. */
  omittedFlag: "--enforce-eager",
} as const;
