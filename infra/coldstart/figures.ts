/**
 * Cold-start and throughput figures as their sources report them. Not measurements of this
 * project's deployments: each names the model, GPU and setup it was measured on.
 * @module
 */

/** One reported figure. */
export interface ReportedFigure {
  /** What was measured and on what (model, GPU, setup). */
  what: string;
  /** The figure as reported, e.g. "460 s -> ~70 s (6.5x)". */
  value: string;
  /** URL or `owner/repo:path`. */
  source: string;
}

export const MODAL_SNAPSHOT_GUIDE: ReportedFigure = {
  what: "initialization-heavy Modal Functions started from a Memory Snapshot (CPU and GPU variants)",
  value: "3-10x faster starts; GPU Memory Snapshots are an alpha feature",
  source: "https://modal.com/docs/guide/memory-snapshots",
};

export const VLLM_SLEEP_SNAPSHOT_A100: ReportedFigure = {
  what: "vLLM serving Qwen3.6-27B-FP8 on a Modal A100-80GB, sleep mode + CPU/GPU memory snapshot vs plain `vllm serve`",
  value: "cold start 460 s -> ~70 s (6.5x); compile, CUDA graphs and speculative decoding stay on; 3-5 cold starts before restores begin",
  source: "https://logeshumapathi.com/blog/2026/05/17/vllm-serverless.html (github.com/infinitylogesh/vllm-serverless)",
};

export const MODAL_MISTRAL3_SNAPSHOT: ReportedFigure = {
  what: "Mistral 3 on Modal with GPU snapshotting",
  value: "10x faster cold starts",
  source: "https://modal.com/blog/mistral-3",
};

export const MODAL_VOLUME_READ: ReportedFigure = {
  what: "loading model weights from a Modal Volume",
  value: "typically one to two GB/s",
  source: "modal-labs/modal-examples:06_gpu_and_ml/llm-serving/lfm_snapshot.py",
};

export const MODAL_FAST_BOOT_TRADEOFF: ReportedFigure = {
  what: "vLLM with --enforce-eager (no torch.compile, no CUDA graphs) vs default",
  value: "compilation and CUDA-graph capture add startup latency in exchange for lower latency and higher throughput during generation (no figure given)",
  source: "modal-labs/modal-examples:06_gpu_and_ml/llm-serving/vllm_inference.py (FAST_BOOT)",
};

export const CUDA_GRAPH_DECODE_H100: ReportedFigure = {
  what: "one decode step of Llama 3.1 8B on an H100 SXM5, eager vs CUDA graph",
  value: "8.4 ms -> 5.1 ms (1.65x)",
  source: "https://cloudai.pt/tag/cuda-graphs/",
};

export const CUDA_GRAPH_BATCH_SWEEP: ReportedFigure = {
  what: "vLLM CUDA graphs vs enforce_eager on a small model (OPT-125m, L4) across batch sizes",
  value: "~2.5x at batch 1, fading to ~1.13x at batch 64",
  source: "https://vllm-engineer.pages.dev/phase-05-cuda-graphs-and-torch-compile/labs/lab-04-graph-vs-eager-real/",
};

export const VLLM_SLEEP_WAKE: ReportedFigure = {
  what: "vLLM sleep mode level 1 (weights offloaded to CPU RAM, KV cache discarded) wake-up",
  value: "wake in ~0.1-0.4 s; 18-200x faster than a full reload",
  source: "https://blog.vllm.ai/2025/10/26/sleep-mode.html",
};
