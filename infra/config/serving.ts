/**
 * The serving settings that decide how a coding agent feels on a deployment: prefix caching for
 * append-only contexts, opt-in speculative decoding, and server-side sampling defaults. Each is
 * checked against the constraints vLLM 0.33.0 enforces (file:line references are into the
 * installed `vllm` package, see docs/agent-endpoints.md).
 * @module
 */
import { z } from "zod";

/**
 * Prefix caching (`--enable-prefix-caching` / `--no-enable-prefix-caching`).
 *
 * On the hybrid Qwen3-Next coder, vLLM 0.33 turns the Mamba (Gated DeltaNet) cache mode to
 * `align` whenever prefix caching is on (`model_executor/models/config.py:763-774`), so the
 * linear-attention state is cached at block boundaries, and raises the attention block size until
 * one attention page holds one Mamba state (`platforms/interface.py:940` `_align_hybrid_block_size`,
 * ~1,072-1,088 tokens for this model with an FP8 KV cache: an estimate, see the plan).
 * `--mamba-cache-mode` is deprecated and ignored in 0.33 (`engine/arg_utils.py:463`), and
 * `--mamba-block-size` is overwritten by that block size in align mode (`platforms/interface.py:1115`,
 * `cache_config.mamba_block_size = cache_config.block_size`), so neither is offered here.
 */
export const prefixCachingSchema = z
  .object({
    /** Prefix caching on (vLLM's default for this model) or off. */
    enabled: z.boolean(),
    /**
     * `--prefix-match-unit`: the finest token boundary a cache hit can land on (tokens). vLLM
     * refuses a value that does not divide every KV-cache group's block size
     * (`v1/core/kv_cache_utils.py:893`); for this model the block is ~1,072 tokens (Triton GDN
     * prefill) or ~1,088 (FlashInfer GDN prefill, 64-token checkpoint grid), so 16 is always
     * safe and 32/64 only with FlashInfer. Unset: the block size.
     */
    matchUnit: z.union([z.literal(16), z.literal(32), z.literal(64)]).optional(),
    /**
     * `--enable-mamba-shared-prefix-checkpoint`: also checkpoint the Mamba state where an MTP
     * sibling request resumes from a shared prefix (`config/cache.py:312`). Takes effect only with
     * prefix caching, EAGLE/MTP speculative decoding and a match unit smaller than the block.
     */
    sharedPrefixCheckpoint: z.boolean().optional(),
  })
  .strict();

/** Prefix-caching settings. */
export type PrefixCaching = z.infer<typeof prefixCachingSchema>;

/** Most draft tokens accepted here: beyond a few, acceptance of a single reused MTP layer falls (vLLM warns above 1). */
export const MAX_SPECULATIVE_TOKENS = 8;

/**
 * Speculative decoding (`--speculative-config '{"method":...,"num_speculative_tokens":N}'`).
 * `mtp` uses the checkpoint's own multi-token-prediction layer (`mtp.*` weights) as the drafter.
 * vLLM 0.33 rewrites the older per-model names such as `qwen3_next_mtp` to `mtp` with a
 * deprecation warning (`config/speculative.py:1246-1250`), so only `mtp` is accepted.
 */
export const speculativeDecodingSchema = z
  .object({
    method: z.literal("mtp", {
      message: "must be \"mtp\" (vLLM 0.33 folds qwen3_next_mtp and the other per-model names into mtp)",
    }),
    /**
     * `num_speculative_tokens`, > 0 (`config/speculative.py:413`). Above the checkpoint's MTP layer
     * count (1 for Qwen3-Next) it must be a multiple of it (`speculative.py:1604-1611`): any value here.
     */
    tokens: z.number().int("must be a whole number of tokens").min(1).max(MAX_SPECULATIVE_TOKENS),
  })
  .strict();

/** Speculative-decoding settings. */
export type SpeculativeDecoding = z.infer<typeof speculativeDecodingSchema>;

/**
 * Server-side sampling defaults: `--override-generation-config` (JSON) over the checkpoint's
 * `generation_config.json` (`--generation-config auto`) or over vLLM's neutral defaults
 * (`--generation-config vllm`); `config/model.py:358-369, 1875-1880`. A request's own values win:
 * "Priority: user -> server default -> OpenAI default" (`entrypoints/openai/chat_completion/protocol.py:753`).
 */
export const samplingDefaultsSchema = z
  .object({
    /** Base the overrides apply to: the checkpoint's `generation_config.json` (`model`) or none (`vllm`). */
    base: z.enum(["model", "vllm"]),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
    /** 0 or -1 turns top-k off in vLLM. */
    topK: z.number().int().min(-1).optional(),
    minP: z.number().min(0).max(1).optional(),
    repetitionPenalty: z.number().gt(0).max(2).optional(),
    presencePenalty: z.number().min(-2).max(2).optional(),
  })
  .strict();

/** Sampling defaults. */
export type SamplingDefaults = z.infer<typeof samplingDefaultsSchema>;

/**
 * Qwen's recommended sampling for Qwen3-Coder-Next: temperature 1.0, top_p 0.95, top_k 40,
 * min_p 0.01 (model card, as quoted in Unsloth's guide unsloth.ai/docs/models/qwen3-coder-next,
 * "Usage Guide").
 */
export const QWEN3_CODER_NEXT_SAMPLING: SamplingDefaults = { base: "model", temperature: 1.0, topP: 0.95, topK: 40, minP: 0.01 };

/**
 * Model families whose checkpoints carry an MTP layer vLLM can draft with, by `modelId` pattern.
 * Qwen3-Next (the coder's architecture) has one MTP layer (vLLM `Qwen3NextMTP`,
 * `config/speculative.py:908-914`). Whether a quantized re-upload kept the `mtp.*` tensors is a
 * property of that upload: see {@link mtpWeightsNote}.
 */
const MTP_FAMILIES: readonly RegExp[] = [/Qwen3-Coder-Next/i, /Qwen3-Next-80B/i];

/** Whether the model's architecture has an MTP drafter in vLLM. */
export function hasMtpArchitecture(modelId: string): boolean {
  return MTP_FAMILIES.some((re) => re.test(modelId));
}

/**
 * What is known about the MTP weights of a checkpoint, for the plan. Unconfirmed for the
 * unsloth FP8-Dynamic upload: its card and Unsloth's guide do not mention MTP, and an FP8-Dynamic
 * (llm-compressor) Qwen3-Next upload is reported to draft with 0 % acceptance
 * (vllm-project/llm-compressor#1843).
 */
export function mtpWeightsNote(modelId: string): string {
  if (/^Qwen\//.test(modelId)) return `MTP weights: Qwen's own checkpoints ship mtp.* tensors (unconfirmed for ${modelId}: Hub not reachable here)`;
  return (
    `MTP weights in ${modelId}: unconfirmed (not stated on its card or in Unsloth's guide; an FP8-Dynamic ` +
    "Qwen3-Next upload drafted with 0% acceptance, vllm-project/llm-compressor#1843): check `vllm:spec_decode_num_accepted_tokens` with `status` after enabling"
  );
}
