/**
 * The memory budget vLLM hands to the KV cache, after weights and what its profile run reserves.
 * @module
 */
import { gpuMemory } from "./gpu-memory";
import type { ModelFacts } from "./models";
import {
  CUDA_GRAPH_BYTES_PER_GPU,
  ENCODER_OUTPUT_BYTES_PER_ELEMENT,
  NON_TORCH_BYTES_PER_GPU,
  VISION_ENCODER_ACTIVATION_BYTES,
} from "./overheads";
import type { MemoryBreakdown } from "./types";

/** The breakdown plus the KV-cache bytes left (0 when the reservations exceed the budget). */
export interface Budget extends MemoryBreakdown {
  kvCacheBytes: number;
}

/**
 * vLLM's KV-cache budget for a model on `gpuCount` GPUs of type `gpu`:
 * total x utilization - weights - activation - encoder cache - non-torch memory (whole bytes:
 * the budget rounded down, reservations rounded up).
 * @param gpuMemoryUtilization fraction in (0, 1].
 * @throws Error when `gpu` is not a Modal GPU name.
 */
export function memoryBudget(
  facts: ModelFacts,
  gpu: string,
  gpuCount: number,
  gpuMemoryUtilization: number,
): Budget {
  const perGpu = gpuMemory(gpu).bytes;
  const budgetBytes = Math.floor(perGpu * gpuCount * gpuMemoryUtilization);
  const vision = facts.vision;
  const perGpuActivation = vision
    ? Math.max(facts.peakActivationBytes, VISION_ENCODER_ACTIVATION_BYTES)
    : facts.peakActivationBytes;
  const encoderCacheBytes = vision
    ? vision.maxTokensPerImage * vision.outHiddenSize * vision.featureLevels * ENCODER_OUTPUT_BYTES_PER_ELEMENT
    : 0;
  const activationBytes = Math.ceil(perGpuActivation * gpuCount);
  const nonTorchBytes = Math.ceil(NON_TORCH_BYTES_PER_GPU * gpuCount);
  const reserved = facts.weightBytes + activationBytes + encoderCacheBytes + nonTorchBytes;
  return {
    budgetBytes,
    weightBytes: facts.weightBytes,
    activationBytes,
    encoderCacheBytes,
    nonTorchBytes,
    cudaGraphHeadroomBytesPerGpu: Math.floor(perGpu * (1 - gpuMemoryUtilization)),
    kvCacheBytes: Math.max(0, budgetBytes - reserved),
  };
}

/** Whether the memory outside the budget can hold vLLM's CUDA graphs (estimate, per GPU). */
export function cudaGraphsFit(budget: MemoryBreakdown): boolean {
  return budget.cudaGraphHeadroomBytesPerGpu >= CUDA_GRAPH_BYTES_PER_GPU;
}
