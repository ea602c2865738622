/**
 * The plan of an image-edit deployment: GPU memory (weights + activations of one edit at the
 * default size), seconds and USD per image at the default steps, cold start. Every speed and
 * price here is a labelled estimate: nothing has run on a GPU from this project.
 * @module
 */
import type { StackSettings } from "../config/schema";
import type { PreparedImageEdit } from "../prepare";
import { computeDiffusionCapacity } from "../capacity/diffusion";
import { estimateCost, type CostReport } from "../cost";
import { WEIGHT_READ_BYTES_PER_SECOND } from "../coldstart";
import { predictEndpointUrl } from "../modal/urls";
import { SERVE_FUNCTION } from "../render/shim";
import { IMAGES_FUNCTION } from "../render/image-edit-shim";

/** Seconds to move the pipeline to the GPU and set it up once the weights are read (estimate). */
export const PIPELINE_SETUP_SECONDS = 20;

/** One image-edit deployment in the plan. Units: bytes, seconds, USD. */
export interface ImageEditPlanEntry {
  name: string;
  role: "image-edit";
  app: string;
  gpu: string;
  model: string;
  revision: string;
  pipelineClass: string;
  diffusersVersion: string;
  servedModelName: string;
  steps: number;
  imageSize: number;
  maxInputImages: number;
  maxContainers: number | null;
  scaledownWindow: number;
  coldStart: string;
  /** Proxy-auth'd job + OpenAI Images API endpoint. */
  url: string;
  /** Bearer-checked endpoint for qwen-code's image_gen; null when `imageApiKeySecret` is unset. */
  imagesUrl: string | null;
  shimInputsHash: string;
  capacity: { verdict: string; weightBytes: number | null; activationBytes: number | null; requiredBytes: number | null; gpuBytes: number | null; message?: string };
  /** Estimates: seconds per step and per image (one input image, default steps), USD per image. */
  perImage: { secondsPerStep: number | null; seconds: number | null; usd: number | null };
  cost: CostReport & { startupSeconds: number | null };
  warnings: string[];
}

const PINNED = /^[0-9a-f]{40}$/;

/** Builds the plan entries of the enabled image-edit deployments. */
export function buildImageEditPlan(prepared: readonly PreparedImageEdit[], settings: StackSettings): ImageEditPlanEntry[] {
  return prepared.map(({ name, deployment: d, shim }) => {
    const warnings: string[] = [];
    if (!PINNED.test(d.modelRevision)) {
      warnings.push(`modelRevision "${d.modelRevision}" is not pinned: weights may change under you; set qwen-code-modal:deployments.${name}.modelRevision to a 40-hex commit`);
    }
    // Memory at the most inputs a request may carry; time and price for the common one-image edit.
    const memory = computeDiffusionCapacity({ modelId: d.modelId, gpu: d.gpu, imageSize: d.imageSize, inputImages: d.maxInputImages, trueCfgScale: d.trueCfgScale });
    const speed = computeDiffusionCapacity({ modelId: d.modelId, gpu: d.gpu, imageSize: d.imageSize, inputImages: 1, trueCfgScale: d.trueCfgScale });
    if (memory.verdict !== "ok") warnings.push(`capacity: ${memory.message}`);
    const startupSeconds = memory.known ? memory.weightBytes / WEIGHT_READ_BYTES_PER_SECOND + PIPELINE_SETUP_SECONDS : null;
    const cost = estimateCost({ gpu: d.gpu, gpuCount: 1, startupSeconds: startupSeconds ?? 0, scaledownWindowSeconds: d.scaledownWindow, rateOverrides: settings.gpuRatesUsdPerSecond });
    const secondsPerStep = speed.known ? speed.secondsPerStep : null;
    const seconds = secondsPerStep === null ? null : secondsPerStep * d.steps;
    if (seconds !== null && seconds > 140) {
      warnings.push(`~${Math.round(seconds)} s per image (estimate) is over the 140 s a synchronous request waits: OpenAI-API and image_gen callers get a job id instead; use the job API (edit_image does)`);
    }
    if (d.coldStart === "volume") warnings.push("cold start (volume): the first start downloads the whole pipeline (~58 GB) from Hugging Face");
    const url = (functionName: string, label?: string) =>
      predictEndpointUrl({ workspace: settings.workspace, environment: settings.environment, appName: d.appName, functionName, label });
    return {
      name,
      role: "image-edit",
      app: d.appName,
      gpu: d.gpu,
      model: d.modelId,
      revision: d.modelRevision,
      pipelineClass: d.pipelineClass,
      diffusersVersion: d.diffusersVersion,
      servedModelName: d.servedModelName,
      steps: d.steps,
      imageSize: d.imageSize,
      maxInputImages: d.maxInputImages,
      maxContainers: d.maxContainers ?? null,
      scaledownWindow: d.scaledownWindow,
      coldStart: d.coldStart,
      url: url(SERVE_FUNCTION, d.label),
      imagesUrl: d.imageApiKeySecret ? url(IMAGES_FUNCTION) : null,
      shimInputsHash: shim.inputsHash,
      capacity: memory.known
        ? { verdict: memory.verdict, weightBytes: memory.weightBytes, activationBytes: memory.activationBytes, requiredBytes: memory.requiredBytes, gpuBytes: memory.gpuBytes, ...(memory.message ? { message: memory.message } : {}) }
        : { verdict: memory.verdict, weightBytes: null, activationBytes: null, requiredBytes: null, gpuBytes: null, message: memory.message },
      perImage: { secondsPerStep, seconds, usd: seconds === null ? null : seconds * cost.usdPerSecond },
      cost: { ...cost, startupSeconds },
      warnings,
    };
  });
}

const usd = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
const gib = (b: number | null) => (b === null ? "?" : `${(b / 2 ** 30).toFixed(1)} GiB`);

/** Renders image-edit plan entries as text blocks (same layout as the vLLM deployments'). */
export function formatImageEditPlan(entries: readonly ImageEditPlanEntry[]): string[] {
  return entries.map((e) => {
    const c = e.capacity;
    const p = e.perImage;
    const rows: [string, string][] = [
      ["app", e.app],
      ["gpu", e.gpu],
      ["model", `${e.model} @ ${e.revision} (${e.pipelineClass}, diffusers ${e.diffusersVersion}, served as ${e.servedModelName})`],
      ["edit", `${e.steps} steps by default, ~${e.imageSize}x${e.imageSize} output, 1-${e.maxInputImages} input images`],
      ["concurrency", `1 job per GPU container (Modal queues the rest), max containers ${e.maxContainers ?? "unlimited"}, scale to zero after ${e.scaledownWindow} s idle`],
      ["capacity", `needs ~${gib(c.requiredBytes)} of ${gib(c.gpuBytes)} (weights ${gib(c.weightBytes)}, activations ${gib(c.activationBytes)}, estimate) [${c.verdict}]`],
      ["per image", p.seconds === null ? "unknown (no throughput figure for this GPU)" : `~${p.secondsPerStep!.toFixed(1)} s/step, ~${Math.round(p.seconds)} s and ~${usd(p.usd!)} per one-image edit at ${e.steps} steps (estimate, not measured)`],
      ["cost", `${usd(e.cost.usdPerWarmHour)}/warm hour, ${usd(e.cost.usdPerColdStart)}/cold start (~${e.cost.startupSeconds === null ? "?" : Math.round(e.cost.startupSeconds)} s, estimate), ${usd(e.cost.usdPerIdleTail)} idle tail per burst, $0 scaled to zero (rates of ${e.cost.asOf})`],
      ["cold start", e.coldStart],
      ["endpoint", `${e.url}  (job API /v1/jobs, OpenAI /v1/images/edits, proxy auth)`],
      ...(e.imagesUrl ? [["image_gen", `${e.imagesUrl}/v1  (qwen-code imageModel baseUrl, Bearer key)`] as [string, string]] : []),
    ];
    return [`${e.name} (${e.role})`, ...rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`), ...e.warnings.map((w) => `  warning: ${w}`)].join("\n");
  });
}
