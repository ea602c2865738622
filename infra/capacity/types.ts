/**
 * Input and report shapes of the capacity computation.
 * @module
 */

/** What `computeCapacity` needs about one deployment. */
export interface CapacityInput {
  /** Hugging Face repo id; must be in the model registry for numbers to be computed. */
  modelId: string;
  /** Modal GPU name, e.g. `"H200"`, `"A100-80GB"`. */
  gpu: string;
  /** GPUs per container (vLLM tensor parallelism), integer >= 1. */
  gpuCount: number;
  /** vLLM `gpu_memory_utilization`, fraction in (0, 1]. */
  gpuMemoryUtilization: number;
  /** vLLM `kv_cache_dtype`: `auto`/`bfloat16` (2 bytes) or `fp8`/`fp8_e4m3`/`fp8_e5m2` (1 byte). */
  kvCacheDtype: string;
  /** vLLM `max_model_len`, tokens, integer >= 1. */
  maxModelLen: number;
  /** Concurrent requests per container (`@modal.concurrent(max_inputs)`, vLLM `max_num_seqs`), >= 1. */
  maxInputs: number;
  /** Images one prompt may carry (vision models); 0 or absent for text-only use. */
  maxImagesPerPrompt?: number;
  /** Largest image the server keeps, pixels (`mm_processor_kwargs` max_pixels); absent: the processor's own largest size. */
  maxImagePixels?: number;
}

/** Where the GPU memory goes, bytes (all GPUs of the container together). */
export interface MemoryBreakdown {
  /** Memory vLLM may use: CUDA-reported total x gpuCount x gpu_memory_utilization. */
  budgetBytes: number;
  /** Weights at the checkpoint's quantization. */
  weightBytes: number;
  /** Peak activation from vLLM's profile run (LLM, or vision encoder when larger), all GPUs. */
  activationBytes: number;
  /** Vision-encoder outputs cached during profiling (0 for text models). */
  encoderCacheBytes: number;
  /** CUDA context and library workspaces, all GPUs. */
  nonTorchBytes: number;
  /** Memory left outside the budget per GPU, which must hold the CUDA graphs. */
  cudaGraphHeadroomBytesPerGpu: number;
}

/** Capacity of a deployment whose model is in the registry. */
export interface KnownCapacityReport {
  known: true;
  /** Weights on the GPU(s), bytes. */
  weightBytes: number;
  /** KV cache per token across all full-attention layers, bytes. */
  kvBytesPerToken: number;
  /** Fixed-size linear-attention state per running sequence, bytes (0 for non-hybrid models). */
  linearStateBytesPerSequence: number;
  /** Memory vLLM can hand to the KV cache (and linear-attention state), bytes; 0 when none is left. */
  kvCacheBytes: number;
  /** KV-cache tokens left once every one of `maxInputs` sequences holds its linear-attention state. */
  kvCacheTokens: number;
  /** Sequences of `maxModelLen` tokens that fit in the KV cache at once. */
  sequencesAtMaxLen: number;
  /** Average context each of `maxInputs` concurrent requests can hold before vLLM must preempt, tokens. */
  tokensPerInputWhenFull: number;
  memory: MemoryBreakdown;
  /** `error`: not one `maxModelLen` sequence fits; `warn`: see `message`; `ok` otherwise. */
  verdict: "ok" | "warn" | "error";
  /** Why the verdict is not `ok` (one sentence per finding). */
  message?: string;
  /** Every assumption and estimate the numbers rest on, with its source. */
  assumptions: string[];
}

/** Report for a model the registry does not know: nothing is computed, nothing is guessed. */
export interface UnknownCapacityReport {
  known: false;
  verdict: "unknown";
  message: string;
  assumptions: string[];
}

/** Result of `computeCapacity`. */
export type CapacityReport = KnownCapacityReport | UnknownCapacityReport;
