/**
 * A local `config.json` of each registry model's geometry, so vLLM can build its engine config here
 * (the weights and the Hub are out of reach). Values come from the capacity registry
 * (infra/capacity/models.ts, sourced there) and the model cards cited below; every field not set takes
 * the `transformers` default of the model's config class (Qwen3NextConfig, Qwen3VLConfig), which vLLM
 * reads the same way. These are stand-ins of the real files: enough for vLLM's config checks
 * (architecture, max_position_embeddings, attention geometry, FP8 quantization), not for loading weights.
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_REGISTRY, type ModelFacts } from "../capacity/models";

/**
 * FP8 block-wise quantization as Qwen's own FP8 checkpoints declare it ("fine-grained fp8 quantization
 * with block size 128", Qwen3 FP8 model cards). The unsloth coder checkpoint's exact
 * `quantization_config` was not read (Hugging Face unreachable): labelled estimate.
 */
const FP8_BLOCK = { quant_method: "fp8", fmt: "e4m3", activation_scheme: "dynamic", weight_block_size: [128, 128] };

function coderConfig(m: ModelFacts): Record<string, unknown> {
  const linear = m.linearAttention!;
  return {
    architectures: ["Qwen3NextForCausalLM"],
    model_type: "qwen3_next",
    torch_dtype: "bfloat16",
    // docker/model-runner:ai/qwen3-coder-next-vllm.md: hidden 2048, 16 Q heads, 512 experts, 10 active.
    hidden_size: 2048,
    num_attention_heads: 16,
    num_experts: 512,
    num_experts_per_tok: 10,
    num_hidden_layers: m.layers,
    num_key_value_heads: m.kvHeads,
    head_dim: m.headDim,
    full_attention_interval: m.layers / m.fullAttentionLayers,
    linear_num_key_heads: linear.keyHeads,
    linear_num_value_heads: linear.valueHeads,
    linear_key_head_dim: linear.keyHeadDim,
    linear_value_head_dim: linear.valueHeadDim,
    linear_conv_kernel_dim: linear.convKernel,
    max_position_embeddings: m.nativeContextTokens,
    quantization_config: FP8_BLOCK,
  };
}

function vlmConfig(m: ModelFacts): Record<string, unknown> {
  const vision = m.vision!;
  return {
    architectures: ["Qwen3VLForConditionalGeneration"],
    model_type: "qwen3_vl",
    torch_dtype: "bfloat16",
    text_config: {
      model_type: "qwen3_vl_text",
      torch_dtype: "bfloat16",
      // Qwen3-32B's text geometry (registry note): hidden 5120, 64 Q heads.
      hidden_size: 5120,
      num_attention_heads: 64,
      num_hidden_layers: m.layers,
      num_key_value_heads: m.kvHeads,
      head_dim: m.headDim,
      max_position_embeddings: m.nativeContextTokens,
    },
    vision_config: {
      model_type: "qwen3_vl",
      depth: vision.depth,
      hidden_size: vision.hiddenSize,
      out_hidden_size: vision.outHiddenSize,
      deepstack_visual_indexes: [8, 16, 24],
    },
    quantization_config: FP8_BLOCK,
  };
}

const BUILDERS: Readonly<Record<string, (m: ModelFacts) => Record<string, unknown>>> = {
  "unsloth/Qwen3-Coder-Next-FP8-Dynamic": coderConfig,
  "Qwen/Qwen3-VL-32B-Thinking-FP8": vlmConfig,
};

/**
 * The stand-in config.json of a model, or `undefined` for a model outside the registry.
 * @param modelId - Hugging Face repo id.
 */
export function modelConfigJson(modelId: string): Record<string, unknown> | undefined {
  const facts = MODEL_REGISTRY[modelId];
  const build = BUILDERS[modelId];
  return facts && build ? build(facts) : undefined;
}

/**
 * Writes the stand-in config.json into `<dir>/<owner>--<name>/`.
 * @returns the folder, or `undefined` for a model outside the registry (vLLM then checks the flags only).
 */
export async function writeModelConfig(dir: string, modelId: string): Promise<string | undefined> {
  const config = modelConfigJson(modelId);
  if (!config) return undefined;
  const folder = join(dir, modelId.replace("/", "--"));
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "config.json"), JSON.stringify(config, null, 1));
  return folder;
}
