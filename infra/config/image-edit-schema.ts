/**
 * The typed, validated description of an `image-edit` deployment: a Modal app serving a
 * diffusers image-editing pipeline (Qwen-Image-Edit) behind a proxy-auth'd web endpoint, with a
 * job API for edits longer than Modal's 150 s request limit. It has its own schema because none
 * of the vLLM fields (context length, KV cache, parsers) mean anything for a diffusion model.
 * @module
 */
import { z } from "zod";
import { GPU_NAMES } from "../modal/gpus";
import { modalLabel, modalObjectName } from "./schema";

/**
 * diffusers pipeline classes for Qwen-Image-Edit checkpoints. `QwenImageEditPipeline` takes one
 * image (Qwen/Qwen-Image-Edit); `QwenImageEditPlusPipeline` takes a list (Qwen/Qwen-Image-Edit-2509
 * and later; diffusers docs "QwenImage": "Qwen-Image-Edit Plus | Qwen/Qwen-Image-Edit-2509").
 */
export const IMAGE_EDIT_PIPELINES = ["QwenImageEditPipeline", "QwenImageEditPlusPipeline"] as const;

/** Cold-start modes that apply to a diffusers server (no vLLM sleep mode to snapshot). */
export const IMAGE_EDIT_COLD_STARTS = ["image", "volume"] as const;

const seconds = (min: number, max: number, what: string) =>
  z.number().int(`${what} must be a whole number of seconds`).min(min).max(max);

/**
 * One image-edit deployment. Units: seconds for `*Window`/`*Timeout`/`jobTtl`, pixels for
 * `imageSize`.
 */
export const imageEditDeploymentSchema = z
  .object({
    role: z.literal("image-edit"),
    /** Modal app name. */
    appName: modalObjectName,
    /** Optional label of the job/Images API endpoint (`https://<workspace>--<label>.modal.run`). */
    label: modalLabel.optional(),
    /** Hugging Face repo of the pipeline (diffusers layout: model_index.json + components). */
    modelId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a Hugging Face repo id like 'owner/name'"),
    /** Hub revision; a 40-hex commit pins the weights. */
    modelRevision: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, "must be a commit hash, branch or tag"),
    /** The `model` clients send (OpenAI Images API `model`, qwen-code's `imageModel`). */
    servedModelName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "must be 1-128 of letters, digits, '.', '_', ':', '/', '-'"),
    /** diffusers release installed in the image (PyPI `diffusers==`). */
    diffusersVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a released diffusers version like 0.42.1"),
    /** diffusers pipeline class the checkpoint is loaded with. */
    pipelineClass: z.enum(IMAGE_EDIT_PIPELINES),
    /** Modal GPU type; one GPU (diffusers runs the pipeline on one device). */
    gpu: z.enum(GPU_NAMES, { message: `must be one of Modal's GPU types: ${GPU_NAMES.join(", ")}` }),
    /** Default denoising steps (`num_inference_steps`) when a request names none. */
    steps: z.number().int().min(1).max(100),
    /** Most steps a request may ask for. */
    maxSteps: z.number().int().min(1).max(200),
    /** Default `true_cfg_scale` (true classifier-free guidance; > 1 runs the transformer twice per step). */
    trueCfgScale: z.number().min(1).max(20),
    /** Output size: the side, in pixels, of the square whose area the output keeps (aspect from the input). */
    imageSize: z.number().int().min(256).max(2048).multipleOf(16, "must be a multiple of 16 (VAE x8, 2x2 patches)"),
    /** Input images per edit (the MCP tool sends 1-2). */
    maxInputImages: z.number().int().min(1).max(3),
    /** Seconds a finished job's result is kept before the cleanup function removes it. */
    jobTtl: seconds(60, 7 * 86_400, "jobTtl"),
    /** Most GPU containers at once; omit for Modal's default (no limit). */
    maxContainers: z.number().int().min(1).max(100).optional(),
    /** Idle seconds before a GPU container scales down (Modal bounds: 2-3600). */
    scaledownWindow: seconds(2, 3600, "scaledownWindow"),
    /** Longest one edit may run on the GPU, seconds. */
    timeout: seconds(10, 86_400, "timeout"),
    /** `image` (weights baked into the image) or `volume` (weights in a Modal Volume). */
    coldStart: z.enum(IMAGE_EDIT_COLD_STARTS),
    /** Modal Secret with HF_TOKEN, for gated or private repos. */
    hfSecretName: modalObjectName.optional(),
    /**
     * Modal Secret holding `QCM_IMAGE_API_KEY`. When set, a second web endpoint (`images`) serves
     * the DashScope image-generation shape qwen-code's `image_gen` sends, checked against that key:
     * qwen-code sends only `Authorization: Bearer`, never Modal's proxy-auth headers.
     */
    imageApiKeySecret: modalObjectName.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.steps > d.maxSteps) ctx.addIssue({ code: "custom", path: ["steps"], message: `must not exceed maxSteps (${d.maxSteps})` });
    if (d.pipelineClass === "QwenImageEditPipeline" && d.maxInputImages > 1) {
      ctx.addIssue({ code: "custom", path: ["maxInputImages"], message: "QwenImageEditPipeline takes one image; use QwenImageEditPlusPipeline for 2-3" });
    }
  });

/** A validated image-edit deployment. */
export type ImageEditDeployment = z.infer<typeof imageEditDeploymentSchema>;

/** diffusers release pinned into the image (PyPI, latest on 2026-10; has both Qwen-Image-Edit pipelines). */
export const DEFAULT_DIFFUSERS_VERSION = "0.42.1";

/**
 * Default image-edit deployments by name. Not in the default `enabled` list: a GPU that holds a
 * 20B diffusion model costs money per warm hour, so it is deployed only when asked
 * (`pulumi config set qwen-code-modal:enabled '["coder","vlm","image-edit"]'`).
 *
 * Model card facts (Qwen/Qwen-Image-Edit-2511 and -2509, Hugging Face; vLLM-Omni's image_edit
 * example): `QwenImageEditPlusPipeline`, `true_cfg_scale` 4.0, `negative_prompt` " ",
 * `guidance_scale` 1.0, 40 inference steps; up to 3 input images.
 */
export const DEFAULT_IMAGE_EDIT_DEPLOYMENTS: Readonly<Record<string, ImageEditDeployment>> = {
  "image-edit": {
    role: "image-edit",
    appName: "qcm-image-edit",
    modelId: "Qwen/Qwen-Image-Edit-2511",
    // Not pinned: the Hub was unreachable when this default was written; `plan` warns until pinned.
    modelRevision: "main",
    servedModelName: "qwen-image-edit",
    diffusersVersion: DEFAULT_DIFFUSERS_VERSION,
    pipelineClass: "QwenImageEditPlusPipeline",
    gpu: "H100",
    steps: 40,
    maxSteps: 100,
    trueCfgScale: 4,
    imageSize: 1024,
    maxInputImages: 2,
    jobTtl: 3600,
    scaledownWindow: 300,
    timeout: 900,
    coldStart: "image",
  },
};
