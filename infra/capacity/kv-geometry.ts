/**
 * Per-token and per-sequence cache sizes from a model's architecture.
 * @module
 */
import type { LinearAttentionFacts, ModelFacts } from "./models";

/**
 * KV-cache bytes per token: K and V (2) x full-attention layers x KV heads x head_dim x dtype bytes.
 * With tensor parallelism wider than the KV heads, vLLM replicates heads so each GPU holds at least
 * one: the stored heads become `gpuCount` (vLLM `get_num_kv_heads`: max(1, kv_heads / tp) per GPU).
 * @param dtypeBytes bytes per element from `kvCacheDtypeBytes`.
 * @returns bytes per token, all GPUs together.
 */
export function kvBytesPerToken(facts: ModelFacts, dtypeBytes: number, gpuCount: number): number {
  const storedHeads = Math.max(1, facts.kvHeads / gpuCount) * gpuCount;
  return 2 * facts.fullAttentionLayers * storedHeads * facts.headDim * dtypeBytes;
}

/**
 * Gated DeltaNet state per sequence, bytes: per layer a convolution state of
 * (conv_kernel - 1) x (2 x key_heads x key_dim + value_heads x value_dim) elements and a recurrent
 * state of value_heads x key_dim x value_dim elements (vLLM MambaStateShapeCalculator.gated_delta_net_state_shape).
 */
export function linearStateBytesPerSequence(linear: LinearAttentionFacts | undefined): number {
  if (!linear) return 0;
  const convDim = 2 * linear.keyHeads * linear.keyHeadDim + linear.valueHeads * linear.valueHeadDim;
  const conv = (linear.convKernel - 1) * convDim;
  const recurrent = linear.valueHeads * linear.keyHeadDim * linear.valueHeadDim;
  return linear.layers * (conv + recurrent) * linear.stateBytesPerElement;
}
