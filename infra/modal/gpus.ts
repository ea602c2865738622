/**
 * GPU types a Modal function can request, with each GPU's memory.
 *
 * Names: the `gpu=` values Modal accepts (modal.com/docs/guide/gpu, "Specifying GPU type",
 * read 2026-11-22). Memory: NVIDIA's data-sheet figures in decimal gigabytes (1 GB = 10^9 bytes):
 * T4 16 GB, L4 24 GB, A10 24 GB, L40S 48 GB, A100 40/80 GB, RTX PRO 6000 Blackwell Server 96 GB,
 * H100 SXM 80 GB, H200 141 GB, B200 180 GB (DGX B200: 1,440 GB over 8 GPUs).
 * @module
 */

/** Facts about one Modal GPU type. */
export interface GpuType {
  /** Modal's `gpu=` name. */
  name: string;
  /** Memory of one GPU, in bytes. */
  memoryBytes: number;
}

const GB = 1e9;

/** Every GPU type Modal accepts, keyed by Modal's name. `A100` is Modal's name for the 40 GB A100. */
export const GPU_TYPES: Readonly<Record<string, GpuType>> = Object.freeze(
  Object.fromEntries(
    (
      [
        ["T4", 16],
        ["L4", 24],
        ["A10", 24],
        ["A10G", 24],
        ["L40S", 48],
        ["A100", 40],
        ["A100-40GB", 40],
        ["A100-80GB", 80],
        ["RTX-PRO-6000", 96],
        ["H100", 80],
        ["H100!", 80],
        ["H200", 141],
        ["B200", 180],
        ["B200+", 180],
      ] as const
    ).map(([name, gb]) => [name, { name, memoryBytes: gb * GB }]),
  ),
);

/** Modal GPU names, for schema enums and error messages. */
export const GPU_NAMES = Object.keys(GPU_TYPES) as [string, ...string[]];

/**
 * The GPU types of a deployment's `gpu` setting, in order of preference (a single type is a list of one).
 */
export function gpuOptions(gpu: string | readonly string[]): string[] {
  return typeof gpu === "string" ? [gpu] : [...gpu];
}

/** Modal's `gpu=` value for one type and a count per container: `"H200"` or `"H100:2"` (modal `parse_gpu_config`). */
export function gpuSpec(gpu: string, count: number): string {
  return count === 1 ? gpu : `${gpu}:${count}`;
}
