/**
 * Capacity of one deployment: KV-cache size in bytes and tokens, how many `max_model_len`
 * sequences fit, and what `max_inputs` means against that. Method: docs/capacity.md.
 * @module
 */
import { cudaGraphsFit, memoryBudget } from "./budget";
import { gpuMemory } from "./gpu-memory";
import { kvCacheDtypeBytes } from "./kv-dtype";
import { kvBytesPerToken, linearStateBytesPerSequence } from "./kv-geometry";
import { MODEL_REGISTRY, knownModel, type ModelFacts } from "./models";
import type { Source } from "./sources";
import type { CapacityInput, CapacityReport, KnownCapacityReport } from "./types";
import { judge } from "./verdict";

function requireInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function validate(input: CapacityInput): void {
  requireInt("gpuCount", input.gpuCount, 1);
  requireInt("maxModelLen", input.maxModelLen, 1);
  requireInt("maxInputs", input.maxInputs, 1);
  requireInt("maxImagesPerPrompt", input.maxImagesPerPrompt ?? 0, 0);
  const u = input.gpuMemoryUtilization;
  if (!(u > 0 && u <= 1)) throw new RangeError(`gpuMemoryUtilization must be in (0, 1], got ${u}`);
}

const describe = (what: string, s: Source) => `${what}: ${s.note} [${s.confidence}; ${s.ref}]`;

function assumptionsFor(facts: ModelFacts, input: CapacityInput): string[] {
  const list = Object.entries(facts.sources).map(([field, s]) => describe(`${facts.modelId} ${field}`, s));
  list.push(describe(`${input.gpu} memory`, gpuMemory(input.gpu).source));
  list.push(
    "vLLM reservations: non-torch 0.55 GiB/GPU and CUDA graphs 1.03 GiB/GPU outside the budget " +
      "[estimated; largest values logged in llm-d/llm-d-benchmark empirical-vllm-memory-results.md]",
  );
  if (facts.vision) {
    list.push("vision encoder profiling activation 2 GiB [estimated, not measured; infra/capacity/overheads.ts]");
  }
  if (facts.linearAttention) {
    list.push(
      "linear-attention state is allocated from the same pool as the KV cache (vLLM hybrid KV-cache " +
        "manager); kvCacheTokens reserves it for every one of max_inputs sequences",
    );
  }
  return list;
}

/**
 * Computes the capacity of a deployment. Unknown models get `{ known: false, verdict: "unknown" }`
 * with nothing computed. Bytes are bytes, tokens are tokens; all GPUs of the container together.
 * @throws RangeError for a non-integer or out-of-range count, length or utilization.
 * @throws Error for an unknown GPU name or kv_cache_dtype.
 */
export function computeCapacity(input: CapacityInput): CapacityReport {
  validate(input);
  if (!knownModel(input.modelId)) {
    return {
      known: false,
      verdict: "unknown",
      message: `no architecture facts for ${input.modelId} in infra/capacity/models.ts: capacity not computed`,
      assumptions: [],
    };
  }
  const facts = MODEL_REGISTRY[input.modelId]!;
  const perToken = kvBytesPerToken(facts, kvCacheDtypeBytes(input.kvCacheDtype), input.gpuCount);
  const state = linearStateBytesPerSequence(facts.linearAttention);
  const { kvCacheBytes, ...memory } = memoryBudget(facts, input.gpu, input.gpuCount, input.gpuMemoryUtilization);
  const sequencesAtMaxLen = Math.floor(kvCacheBytes / (input.maxModelLen * perToken + state));
  const kvCacheTokens = Math.floor(Math.max(0, kvCacheBytes - input.maxInputs * state) / perToken);
  const tokensPerInputWhenFull = Math.floor(kvCacheTokens / input.maxInputs);
  const tokensPerImage = facts.vision
    ? Math.min(facts.vision.maxTokensPerImage, input.maxImagePixels ? Math.floor(input.maxImagePixels / facts.vision.pixelsPerToken) : Infinity)
    : 0;
  const imageTokensAtMax = (input.maxImagesPerPrompt ?? 0) * tokensPerImage;
  const report: KnownCapacityReport = {
    known: true,
    weightBytes: facts.weightBytes,
    kvBytesPerToken: perToken,
    linearStateBytesPerSequence: state,
    kvCacheBytes,
    kvCacheTokens,
    sequencesAtMaxLen,
    tokensPerInputWhenFull,
    memory,
    ...judge({
      sequencesAtMaxLen,
      maxInputs: input.maxInputs,
      maxModelLen: input.maxModelLen,
      tokensPerInputWhenFull,
      kvCacheBytes,
      imageTokensAtMax,
      cudaGraphsFit: cudaGraphsFit(memory),
    }),
    assumptions: assumptionsFor(facts, input),
  };
  return report;
}
