/**
 * GPU memory as vLLM sees it. vLLM multiplies `gpu_memory_utilization` by the total that CUDA
 * reports (`torch.cuda.mem_get_info`), which is not the data-sheet figure in `infra/modal/gpus.ts`:
 * an "80 GB" A100 reports 79.2 GiB (85.06e9 bytes), an H200 ("141 GB") 140.4 GiB.
 * @module
 */
import { GPU_TYPES } from "../modal/gpus";
import type { Source } from "./sources";

/** CUDA-reported total memory of one GPU, for the GPUs a default deployment uses. */
const CUDA_REPORTED: Readonly<Record<string, { bytes: number; source: Source }>> = {
  H200: {
    bytes: 143_771 * 2 ** 20,
    source: {
      ref: "nvidia-smi output of H200 hosts (many indexed copies): `0MiB / 143771MiB`",
      note: "143,771 MiB = 150,754,820,096 bytes as reported by the driver",
      confidence: "sourced",
    },
  },
  "A100-80GB": {
    bytes: 85_056_798_720,
    source: {
      ref: "torch.cuda.get_device_properties(0).total_memory of an NVIDIA A100-SXM4-80GB (indexed test fixture)",
      note: "85,056,798,720 bytes = 79.2 GiB",
      confidence: "sourced",
    },
  },
  H100: {
    bytes: 79.18 * 2 ** 30,
    source: {
      ref: "llm-d/llm-d-benchmark:config_explorer/empirical-vllm-memory-results.md",
      note: "vLLM logs on H100: 79.18 GiB total memory",
      confidence: "sourced",
    },
  },
};

/** One GPU's memory as the capacity computation uses it. */
export interface GpuMemory {
  /** Bytes of one GPU. */
  bytes: number;
  /** Where the figure comes from. */
  source: Source;
}

/**
 * Total memory of one GPU as CUDA reports it (bytes), falling back to the data-sheet figure of
 * `GPU_TYPES` (decimal GB, usually a few percent above what CUDA reports) for GPUs not measured here.
 * @param gpu Modal GPU name, e.g. `"H200"`.
 * @throws Error when `gpu` is not a Modal GPU name.
 */
export function gpuMemory(gpu: string): GpuMemory {
  const measured = CUDA_REPORTED[gpu];
  if (measured) return measured;
  const type = GPU_TYPES[gpu];
  if (!type) throw new Error(`unknown GPU type "${gpu}"; allowed: ${Object.keys(GPU_TYPES).join(", ")}`);
  return {
    bytes: type.memoryBytes,
    source: {
      ref: "infra/modal/gpus.ts (NVIDIA data sheet)",
      note: `${type.memoryBytes / 1e9} GB data-sheet figure; CUDA typically reports a few percent less`,
      confidence: "estimated",
    },
  };
}
