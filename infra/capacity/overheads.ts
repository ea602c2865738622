/**
 * What vLLM reserves on a GPU besides the weights and the KV cache, as planning constants.
 *
 * vLLM's startup profile (V1 engine) computes the KV-cache budget as
 * `total x gpu_memory_utilization - weights - peak activation - non-torch memory`; CUDA graphs are
 * captured afterwards and must fit in the memory `gpu_memory_utilization` leaves free. The figures
 * below are vLLM's own log lines collected on one H100 by llm-d
 * (llm-d/llm-d-benchmark:config_explorer/empirical-vllm-memory-results.md), where
 * 0.9 x 79.18 - 13.47 - 7.38 - 0.13 = 50.28 GiB of KV cache matches the logged value exactly.
 * Per-model activation peaks live in the model registry; the rest is here.
 * @module
 */

const GiB = 2 ** 30;

/**
 * Non-torch memory per GPU (CUDA context, cuBLAS/NCCL workspaces), bytes. ESTIMATE: the largest
 * value llm-d logged (0.55 GiB; range 0.13-0.55 GiB).
 */
export const NON_TORCH_BYTES_PER_GPU = 0.55 * GiB;

/**
 * CUDA-graph memory per GPU, bytes, which must fit outside the `gpu_memory_utilization` budget.
 * ESTIMATE: the largest value llm-d logged (1.03 GiB, gpt-oss-120b; others -0.88 to 0.39 GiB).
 */
export const CUDA_GRAPH_BYTES_PER_GPU = 1.03 * GiB;

/**
 * Peak activation of a vision encoder during vLLM's multimodal profiling, bytes. ESTIMATE, not
 * measured: a 27-block, 1152-wide ViT over one maximum-size image (65,536 patches before merging)
 * holds about 65,536 x 1,152 x 2 bytes = 0.15 GB per hidden tensor and 0.56 GB per MLP intermediate;
 * 2 GiB covers a dozen such tensors live at once. It overlaps the LLM's own activation peak (vLLM
 * profiles the encoder first), so the larger of the two counts, plus the encoder cache.
 */
export const VISION_ENCODER_ACTIVATION_BYTES = 2 * GiB;

/** Bytes of one element of the encoder outputs vLLM caches (bfloat16). */
export const ENCODER_OUTPUT_BYTES_PER_ELEMENT = 2;
