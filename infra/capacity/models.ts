/**
 * Model architecture registry: the facts the capacity computation needs about each model this
 * project deploys, each with its source. Hugging Face was not reachable when this was written, so
 * facts come from copies of the model configs and cards found through public mirrors; every
 * figure this project derived itself is marked `estimated`.
 * @module
 */
import type { Source } from "./sources";

/** Gated DeltaNet (linear-attention) layers: fixed-size recurrent state per sequence, no KV cache. */
export interface LinearAttentionFacts {
  /** Number of linear-attention layers. */
  layers: number;
  /** `linear_num_key_heads`. */
  keyHeads: number;
  /** `linear_num_value_heads`. */
  valueHeads: number;
  /** `linear_key_head_dim`. */
  keyHeadDim: number;
  /** `linear_value_head_dim`. */
  valueHeadDim: number;
  /** `linear_conv_kernel_dim`. */
  convKernel: number;
  /** Bytes per state element (vLLM keeps the state in the model dtype unless told otherwise). */
  stateBytesPerElement: number;
}

/** The vision encoder of a vision-language model. */
export interface VisionFacts {
  /** Encoder transformer blocks (`vision_config.depth`). */
  depth: number;
  /** Encoder width (`vision_config.hidden_size`). */
  hiddenSize: number;
  /** Encoder parameters; counted inside {@link ModelFacts.weightBytes}. */
  parameters: number;
  /** Most LLM tokens one image can become after patch merging, at the processor's largest size. */
  maxTokensPerImage: number;
  /** Image pixels per LLM token: (patch size x spatial merge size) squared. */
  pixelsPerToken: number;
  /** Feature levels the encoder hands to the LLM per image token (final merger + DeepStack levels). */
  featureLevels: number;
  /** Width of each feature handed to the LLM (`out_hidden_size`), elements. */
  outHiddenSize: number;
}

/** Architecture facts of one model at one quantization. */
export interface ModelFacts {
  /** Hugging Face repo id, as used in config (`modelId`). */
  modelId: string;
  /** Total parameters (all experts, encoder included). */
  parameters: number;
  /** Bytes the checkpoint's weights occupy on the GPU at this quantization. */
  weightBytes: number;
  /** Human label of the quantization, e.g. "FP8 (block-wise, dynamic activations)". */
  quantization: string;
  /** Decoder layers (`num_hidden_layers`). */
  layers: number;
  /** Decoder layers that keep a KV cache (full attention). */
  fullAttentionLayers: number;
  /** KV heads of each full-attention layer (`num_key_value_heads`). */
  kvHeads: number;
  /** Head dimension of the full-attention layers (`head_dim`). */
  headDim: number;
  /** Present for hybrid models only. */
  linearAttention?: LinearAttentionFacts;
  /** Present for vision-language models only. */
  vision?: VisionFacts;
  /** vLLM's profiled peak activation memory for this model (bytes, single GPU, default batch). */
  peakActivationBytes: number;
  /**
   * Longest context the model was trained for, tokens (`max_position_embeddings` of its config.json):
   * vLLM refuses a longer `max_model_len` unless told otherwise (see infra/config/schema.ts).
   */
  nativeContextTokens: number;
  /** Provenance of each fact, keyed by the field name above. */
  sources: Readonly<Partial<Record<keyof Omit<ModelFacts, "sources" | "modelId">, Source>>>;
}

const GB = 1e9;
const GiB = 2 ** 30;

/** Measured peak activation of vLLM on one H100 at default settings (llm-d/llm-d-benchmark). */
const LLMD_MEASUREMENTS = "llm-d/llm-d-benchmark:config_explorer/empirical-vllm-memory-results.md";

const QWEN3_CODER_NEXT: ModelFacts = {
  modelId: "unsloth/Qwen3-Coder-Next-FP8-Dynamic",
  parameters: 80e9,
  weightBytes: 82.1 * GB,
  quantization: "FP8 (experts and linear layers 1 byte; embeddings, norms, gates 2 bytes)",
  layers: 48,
  fullAttentionLayers: 12,
  kvHeads: 2,
  headDim: 256,
  linearAttention: {
    layers: 36,
    keyHeads: 16,
    valueHeads: 32,
    keyHeadDim: 128,
    valueHeadDim: 128,
    convKernel: 4,
    stateBytesPerElement: 2,
  },
  peakActivationBytes: 7.38 * GiB,
  nativeContextTokens: 262_144,
  sources: {
    nativeContextTokens: {
      ref: "docker/model-runner:ai/qwen3-coder-next-vllm.md",
      note: "Context length 262,144 tokens (256K), native",
      confidence: "sourced",
    },
    parameters: {
      ref: "docker/model-runner:ai/qwen3-coder-next-vllm.md",
      note: "80B total (79B non-embedding), 3B activated, 512 experts",
      confidence: "sourced",
    },
    weightBytes: {
      ref: "https://mlhive.com/2026/04/qwen3-next-80b-fp8-release-local-ai-vram",
      note:
        "Qwen's own FP8 release of Qwen3-Next-80B-A3B (same architecture) is 82.1 GB; the size of " +
        "unsloth's FP8-Dynamic checkpoint was not verified (Hugging Face unreachable), assumed equal",
      confidence: "estimated",
    },
    layers: {
      ref: "docker/model-runner:ai/qwen3-coder-next-vllm.md",
      note: "48 layers: 12 x (3 x (Gated DeltaNet -> MoE) + 1 x (Gated Attention -> MoE))",
      confidence: "sourced",
    },
    fullAttentionLayers: {
      ref: "docker/model-runner:ai/qwen3-coder-next-vllm.md",
      note: "every 4th layer is full attention (full_attention_interval = 4): 48 / 4 = 12",
      confidence: "sourced",
    },
    kvHeads: {
      ref: "docker/model-runner:ai/qwen3-coder-next-vllm.md",
      note: "16 Q heads, 2 KV heads, head dimension 256",
      confidence: "sourced",
    },
    headDim: { ref: "docker/model-runner:ai/qwen3-coder-next-vllm.md", note: "256", confidence: "sourced" },
    linearAttention: {
      ref: "vllm-project/vllm:vllm/model_executor/layers/mamba/mamba_utils.py (gated_delta_net_state_shape)",
      note:
        "32 V heads, 16 QK heads, head dim 128 (model card); conv kernel 4 (Qwen3NextConfig default " +
        "linear_conv_kernel_dim). State per layer per sequence = conv (kernel-1) x (2*16*128 + 32*128) + " +
        "temporal 32 x 128 x 128 elements; 2 bytes each assumes vLLM's default mamba_cache_dtype=auto (bf16)",
      confidence: "estimated",
    },
    peakActivationBytes: {
      ref: LLMD_MEASUREMENTS,
      note:
        "7.38 GiB measured for the MoE gpt-oss models on one H100 at vLLM defaults; no measurement " +
        "of Qwen3-Coder-Next was found, so the MoE figure stands in for it",
      confidence: "estimated",
    },
  },
};

const QWEN3_VL_32B: ModelFacts = {
  modelId: "Qwen/Qwen3-VL-32B-Thinking-FP8",
  parameters: 33.4e9,
  weightBytes: 35.5 * GB,
  quantization: "FP8 (linear layers 1 byte; embeddings, LM head and vision encoder 2 bytes)",
  layers: 64,
  fullAttentionLayers: 64,
  kvHeads: 8,
  headDim: 128,
  vision: {
    depth: 27,
    hiddenSize: 1152,
    parameters: 0.6e9,
    maxTokensPerImage: 16_384,
    // patch_size 16, spatial_merge_size 2: one token per 32x32 px (vLLM qwen3_vl.py:974-1016 counts
    // (h/16)(w/16)/2^2 tokens after smart_resize to multiples of 16x2 = 32).
    pixelsPerToken: 32 * 32,
    featureLevels: 4,
    outHiddenSize: 5120,
  },
  peakActivationBytes: 5.64 * GiB,
  nativeContextTokens: 262_144,
  sources: {
    nativeContextTokens: {
      ref: "Qwen3-VL model card (Qwen/Qwen3-VL-32B-Thinking): \"Native 256K context, expandable to 1M\"",
      note: "256K = 262,144 tokens taken as text_config.max_position_embeddings (not read from config.json: Hugging Face unreachable)",
      confidence: "estimated",
    },
    parameters: {
      ref: "daniel-p-green/alain-ai-learning-platform:out/research-qwen-qwen3-32b/README.md",
      note: "text backbone = Qwen3-32B (32.8B) plus the vision encoder (~0.6B, estimated below)",
      confidence: "estimated",
    },
    weightBytes: {
      ref: "derived",
      note:
        "32.8B text params: embeddings + untied LM head 2 x 151,936 x 5,120 = 1.56B at 2 bytes = 3.1 GB; " +
        "the other 31.2B at 1 byte = 31.2 GB; vision encoder 0.6B at 2 bytes = 1.2 GB; total ~35.5 GB",
      confidence: "estimated",
    },
    layers: {
      ref: "Qwen3-32B config.json (copy indexed at huggingface.co/ronnywebdevs1/d-m-1/blob/main/config.json)",
      note:
        "num_hidden_layers 64, num_key_value_heads 8, head_dim 128, hidden_size 5120; Qwen3-VL-32B's " +
        "text_config assumed identical to Qwen3-32B's (not verified: Hugging Face unreachable)",
      confidence: "estimated",
    },
    fullAttentionLayers: { ref: "Qwen3 is a dense transformer", note: "every layer keeps KV", confidence: "sourced" },
    kvHeads: { ref: "Qwen3-32B config.json", note: "num_key_value_heads 8", confidence: "estimated" },
    headDim: { ref: "Qwen3-32B config.json", note: "head_dim 128", confidence: "estimated" },
    vision: {
      ref: "transformers Qwen3VLVisionConfig defaults (indexed copies: depth 27, hidden_size 1152, intermediate 4304, patch 16, spatial_merge 2, deepstack_visual_indexes [8,16,24])",
      note:
        "params ~0.6B = 27 x (4 x 1152^2 + 2 x 1152 x 4304) + 4 mergers x (4608^2 + 4608 x 5120), estimated; " +
        "16,384 tokens per image assumes the processor's longest_edge of 16,777,216 pixels / (32 x 32) per " +
        "merged token (not verified); 4 feature levels = final merger + 3 DeepStack levels",
      confidence: "estimated",
    },
    peakActivationBytes: {
      ref: LLMD_MEASUREMENTS,
      note: "5.64 GiB measured for Qwen3-32B (the same text backbone) on one H100 at vLLM defaults",
      confidence: "sourced",
    },
  },
};

/** Every model the capacity computation knows, keyed by Hugging Face repo id. */
export const MODEL_REGISTRY: Readonly<Record<string, ModelFacts>> = Object.freeze({
  [QWEN3_CODER_NEXT.modelId]: QWEN3_CODER_NEXT,
  [QWEN3_VL_32B.modelId]: QWEN3_VL_32B,
});

/**
 * Whether the registry has architecture facts for a model.
 * @param modelId Hugging Face repo id, e.g. `"Qwen/Qwen3-VL-32B-Thinking-FP8"` (exact, case-sensitive).
 */
export function knownModel(modelId: string): boolean {
  return Object.hasOwn(MODEL_REGISTRY, modelId);
}
