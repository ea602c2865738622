/**
 * Capacity of an image-edit (diffusion) deployment: does the whole pipeline (transformer, text
 * encoder, VAE) plus the activations of one edit at the default size fit in one GPU, and how
 * long does one denoising step take. Method and sources: docs/image-edit.md.
 * @module
 */
import { gpuMemory } from "./gpu-memory";
import type { Source } from "./sources";

/** Architecture facts of a Qwen-Image-Edit checkpoint, each with its source. */
export interface DiffusionModelFacts {
  modelId: string;
  /** Transformer (MMDiT) parameters. */
  transformerParameters: number;
  /** Transformer blocks. */
  transformerLayers: number;
  /** Transformer width (heads x head dim). */
  hiddenSize: number;
  /** Text encoder (Qwen2.5-VL-7B) parameters. */
  textEncoderParameters: number;
  /** VAE parameters. */
  vaeParameters: number;
  /** Bytes per weight (BF16). */
  bytesPerParameter: number;
  sources: Record<string, Source>;
}

const QWEN_IMAGE_SOURCES: Record<string, Source> = {
  transformer: {
    ref: "Qwen-Image technical report (arXiv 2508.02324) and the Qwen/Qwen-Image-Edit model cards: a 20B MMDiT; transformer/config.json: 60 layers, 24 heads x 128",
    note: "20.4e9 parameters in BF16 (40.9 GB)",
    confidence: "estimated",
  },
  textEncoder: {
    ref: "diffusers model_index.json of Qwen-Image-Edit: text_encoder Qwen2_5_VLForConditionalGeneration (Qwen2.5-VL-7B-Instruct, 8.29e9 parameters)",
    note: "8.29e9 parameters in BF16 (16.6 GB)",
    confidence: "sourced",
  },
  vae: {
    ref: "diffusers AutoencoderKLQwenImage (Wan-2.1-style causal 3D VAE), ~127e6 parameters",
    note: "0.25 GB in BF16",
    confidence: "estimated",
  },
};

const qwenImageEdit = (modelId: string): DiffusionModelFacts => ({
  modelId,
  transformerParameters: 20.43e9,
  transformerLayers: 60,
  hiddenSize: 3072,
  textEncoderParameters: 8.29e9,
  vaeParameters: 0.127e9,
  bytesPerParameter: 2,
  sources: QWEN_IMAGE_SOURCES,
});

/** Known diffusion checkpoints: every Qwen-Image-Edit release shares the Qwen-Image architecture. */
export const DIFFUSION_MODELS: Readonly<Record<string, DiffusionModelFacts>> = Object.fromEntries(
  ["Qwen/Qwen-Image-Edit", "Qwen/Qwen-Image-Edit-2509", "Qwen/Qwen-Image-Edit-2511"].map((id) => [id, qwenImageEdit(id)]),
);

/**
 * Peak dense BF16 tensor throughput per GPU, FLOP/s (NVIDIA data sheets, dense, no sparsity).
 * Only the GPUs that can hold the pipeline are listed; others get no step-time estimate.
 */
const BF16_PEAK_FLOPS: Readonly<Record<string, number>> = {
  "A100-80GB": 312e12,
  "RTX-PRO-6000": 503.8e12,
  H100: 989e12,
  "H100!": 989e12,
  H200: 989e12,
  B200: 2250e12,
  "B200+": 2250e12,
};

/** Fraction of peak a diffusers BF16 transformer reaches (estimate: SDPA attention, no torch.compile). */
export const DIFFUSION_MFU = 0.4;

/** VAE decode peak at 1024x1024 (feature maps at full resolution), bytes; estimate, scaled by area. */
const VAE_DECODE_BYTES_AT_1024 = 4 * 2 ** 30;

/** CUDA context, cuBLAS/cuDNN workspaces and allocator slack, bytes (estimate). */
const RUNTIME_OVERHEAD_BYTES = 1.5 * 2 ** 30;

/** Text tokens of one edit prompt with its vision tokens (Qwen2.5-VL sees each input at ~384x384: ~196 tokens). */
const TEXT_TOKENS_PER_IMAGE = 196;
const PROMPT_TEMPLATE_TOKENS = 256;

/** What {@link computeDiffusionCapacity} needs. */
export interface DiffusionCapacityInput {
  modelId: string;
  /** Modal GPU name. */
  gpu: string;
  /** Output size: side of the square of equal area, pixels. */
  imageSize: number;
  /** Input images of one edit. */
  inputImages: number;
  /** `true_cfg_scale`; above 1 the transformer runs twice per step. */
  trueCfgScale: number;
}

/** Capacity of an image-edit deployment. Bytes are bytes, seconds are estimates. */
export type DiffusionCapacityReport =
  | {
      known: true;
      weightBytes: number;
      activationBytes: number;
      /** Weights + activations + runtime overhead. */
      requiredBytes: number;
      /** CUDA-reported memory of the GPU. */
      gpuBytes: number;
      /** Image tokens the transformer sees per step (output latent + every input latent) plus text. */
      sequenceTokens: number;
      /** Estimated seconds per denoising step; null for a GPU without a throughput figure. */
      secondsPerStep: number | null;
      verdict: "ok" | "warn" | "error";
      message?: string;
      assumptions: string[];
    }
  | { known: false; verdict: "unknown"; message: string; assumptions: string[] };

/**
 * Memory and speed of one edit on one GPU.
 * @throws Error for an unknown GPU name.
 */
export function computeDiffusionCapacity(input: DiffusionCapacityInput): DiffusionCapacityReport {
  const facts = DIFFUSION_MODELS[input.modelId];
  const gpu = gpuMemory(input.gpu);
  if (!facts) {
    return { known: false, verdict: "unknown", message: `no architecture facts for ${input.modelId} in infra/capacity/diffusion.ts: capacity not computed`, assumptions: [] };
  }
  const weightBytes = (facts.transformerParameters + facts.textEncoderParameters + facts.vaeParameters) * facts.bytesPerParameter;
  // Latent: 8x VAE downsampling, then 2x2 patches: (size/16)^2 tokens per image at the target area.
  const tokensPerImage = (input.imageSize / 16) ** 2;
  const sequenceTokens = tokensPerImage * (1 + input.inputImages) + PROMPT_TEMPLATE_TOKENS + TEXT_TOKENS_PER_IMAGE * input.inputImages;
  // One block at a time (inference, no grad): hidden + QKV + output + MLP (4x) per token, BF16.
  const blockActivation = sequenceTokens * facts.hiddenSize * (1 + 3 + 1 + 4) * 2;
  const vaeDecode = VAE_DECODE_BYTES_AT_1024 * (input.imageSize / 1024) ** 2;
  const activationBytes = Math.max(blockActivation, vaeDecode);
  const requiredBytes = weightBytes + activationBytes + RUNTIME_OVERHEAD_BYTES;
  const peak = BF16_PEAK_FLOPS[input.gpu];
  const passes = input.trueCfgScale > 1 ? 2 : 1;
  const flopsPerPass = 2 * facts.transformerParameters * sequenceTokens + 4 * sequenceTokens ** 2 * facts.hiddenSize * facts.transformerLayers;
  const secondsPerStep = peak ? (passes * flopsPerPass) / (peak * DIFFUSION_MFU) : null;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  let verdict: "ok" | "warn" | "error" = "ok";
  let message: string | undefined;
  if (requiredBytes > gpu.bytes) {
    verdict = "error";
    message = `the pipeline needs ~${gib(requiredBytes)} (weights ${gib(weightBytes)} + activations ${gib(activationBytes)} + runtime ${gib(RUNTIME_OVERHEAD_BYTES)}) but one ${input.gpu} has ${gib(gpu.bytes)}; use an 80 GB or larger GPU (A100-80GB, H100, H200, B200)`;
  } else if (requiredBytes > 0.9 * gpu.bytes) {
    verdict = "warn";
    message = `the pipeline needs ~${gib(requiredBytes)} of ${gib(gpu.bytes)}: under 10% headroom, a larger imageSize may run out of memory`;
  }
  const describe = (what: string, s: Source) => `${what}: ${s.note} [${s.confidence}; ${s.ref}]`;
  const assumptions = [
    ...Object.entries(facts.sources).map(([k, s]) => describe(`${facts.modelId} ${k}`, s)),
    describe(`${input.gpu} memory`, gpu.source),
    `activations: one transformer block at a time (${sequenceTokens} tokens x ${facts.hiddenSize} x 9, BF16) or the VAE decode (~4 GiB at 1024x1024, scaled by area), whichever is larger [estimated]`,
    `runtime overhead ${gib(RUNTIME_OVERHEAD_BYTES)} (CUDA context, workspaces) [estimated]`,
    `step time: ${passes} transformer pass(es) of 2 x params x tokens + attention FLOPs at ${DIFFUSION_MFU * 100}% of the GPU's dense BF16 peak [estimated, not measured]`,
  ];
  return { known: true, weightBytes, activationBytes, requiredBytes, gpuBytes: gpu.bytes, sequenceTokens, secondsPerStep, verdict, ...(message ? { message } : {}), assumptions };
}
