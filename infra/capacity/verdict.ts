/**
 * The verdict on a deployment's capacity: refuse what cannot hold one `max_model_len` sequence,
 * warn about concurrency far beyond what fits, images that cannot fit a prompt, and CUDA graphs
 * without room.
 * @module
 */

/**
 * "Far above what fits": a warning is raised when `max_inputs` exceeds this many times the number
 * of `max_model_len` sequences that fit. At 4x, the average request can use at most a quarter of
 * `max_model_len` before the KV cache is full and vLLM starts preempting (recomputing) requests;
 * below that, concurrency is bursty enough that long and short requests usually share the cache.
 * A project policy, not a vLLM rule.
 */
export const FAR_ABOVE_FACTOR = 4;

/** What the verdict looks at. */
export interface VerdictFacts {
  sequencesAtMaxLen: number;
  maxInputs: number;
  maxModelLen: number;
  tokensPerInputWhenFull: number;
  kvCacheBytes: number;
  /** Tokens `maxImagesPerPrompt` maximum-size images become (0 without images). */
  imageTokensAtMax: number;
  cudaGraphsFit: boolean;
}

/** Verdict and the sentences that explain it. */
export interface Verdict {
  verdict: "ok" | "warn" | "error";
  message?: string;
}

const GB = 1e9;

/** Judges a computed capacity; see {@link FAR_ABOVE_FACTOR} for "far above". */
export function judge(f: VerdictFacts): Verdict {
  if (f.sequencesAtMaxLen < 1) {
    const why =
      f.kvCacheBytes === 0
        ? "weights and vLLM's reservations leave no memory for the KV cache"
        : `the KV cache (${(f.kvCacheBytes / GB).toFixed(1)} GB) cannot hold one sequence of max_model_len ${f.maxModelLen} tokens`;
    return {
      verdict: "error",
      message: `${why}; lower max_model_len, use a larger GPU or more GPUs, or raise gpu_memory_utilization.`,
    };
  }
  const warnings: string[] = [];
  if (f.maxInputs > FAR_ABOVE_FACTOR * f.sequencesAtMaxLen) {
    warnings.push(
      `max_inputs ${f.maxInputs} is more than ${FAR_ABOVE_FACTOR}x the ${f.sequencesAtMaxLen} sequences of ` +
        `max_model_len ${f.maxModelLen} that fit; with all inputs busy each can average only ` +
        `${f.tokensPerInputWhenFull} tokens before vLLM preempts requests.`,
    );
  }
  if (f.imageTokensAtMax > f.maxModelLen) {
    warnings.push(
      `maximum-size images can take ${f.imageTokensAtMax} tokens, more than max_model_len ${f.maxModelLen}; ` +
        `such prompts are rejected: bound images server-side with maxImagePixels (vLLM mm_processor_kwargs max_pixels).`,
    );
  }
  if (!f.cudaGraphsFit) {
    warnings.push(
      "gpu_memory_utilization leaves less than the ~1 GiB CUDA graphs need (estimate); startup may run out of memory.",
    );
  }
  return warnings.length ? { verdict: "warn", message: warnings.join(" ") } : { verdict: "ok" };
}
