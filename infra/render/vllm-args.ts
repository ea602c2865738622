/**
 * The `vllm serve` argument list of a deployment. Flag spellings are current vLLM's
 * (docs.vllm.ai, "vllm serve" CLI reference): `--limit-mm-per-prompt` takes JSON
 * (`{"image":5,"video":0}`), the old `image=5` form is rejected.
 * @module
 */
import type { Deployment } from "../config/schema";
import type { ColdStartShimPlan } from "../coldstart";
import { servingArgs } from "./serving-args";

/**
 * Builds the argv that follows `vllm serve <model>`.
 * @param coldStart - the deployment's cold-start plan: its flags (`--enable-sleep-mode`,
 *   `--enforce-eager`) are added, and `--revision` is passed when vLLM downloads the weights itself.
 * @returns one argv entry per element; never shell-joined.
 */
export function vllmArgs(d: Deployment, coldStart: ColdStartShimPlan): string[] {
  const args = [
    "--served-model-name", d.servedModelName,
    "--host", "0.0.0.0",
    "--port", String(d.port),
    "--max-model-len", String(d.maxModelLen),
    "--kv-cache-dtype", d.kvCacheDtype,
    "--gpu-memory-utilization", String(d.gpuMemoryUtilization),
    "--tensor-parallel-size", String(d.gpuCount),
    "--max-num-seqs", String(d.maxInputs),
  ];
  if (!coldStart.bakeWeights) args.push("--revision", d.modelRevision);
  if (d.toolCallParser) args.push("--enable-auto-tool-choice", "--tool-call-parser", d.toolCallParser);
  if (d.reasoningParser) args.push("--reasoning-parser", d.reasoningParser);
  if (d.maxImagesPerPrompt > 0) {
    args.push("--limit-mm-per-prompt", JSON.stringify({ image: d.maxImagesPerPrompt, video: 0 }));
  }
  if (d.maxImagePixels !== undefined) args.push("--mm-processor-kwargs", JSON.stringify({ max_pixels: d.maxImagePixels }));
  // A Modal Server spreads requests over containers, so vLLM's /metrics (one container's counters) no
  // longer shows the hit rate: per-request `usage.prompt_tokens_details.cached_tokens` does (vLLM 0.33
  // entrypoints/openai/chat_completion/serving.py:95-114; off by default, entrypoints/common/cli_args.py:156).
  if (d.serving === "server") args.push("--enable-prompt-tokens-details");
  return [...args, ...servingArgs(d), ...coldStart.vllmFlags, ...d.extraVllmArgs];
}
