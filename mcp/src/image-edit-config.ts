/**
 * Configuration of the `edit_image` tool: the image-edit deployment's proxy-auth'd URL and its
 * limits, from the environment or the exported endpoint config. The tool is offered only when an
 * image-edit deployment is configured.
 * @module
 */
import { defaultEndpointConfigPath, imageEditEndpoint, readEndpointConfig } from "@qwen-code-modal/contract";

/** Environment variables `edit_image` reads (see mcp/README.md). */
export const IMAGE_EDIT_ENV = {
  /** Root URL of the image-edit endpoint (job API under /v1/jobs), e.g. `https://ws--qcm-image-edit-serve.modal.run`. */
  endpoint: "IMAGE_EDIT_ENDPOINT",
  /** Total seconds one edit may take, queue and cold start included. */
  timeout: "IMAGE_EDIT_TIMEOUT",
} as const;

/** Default: 900 s, a cold start of a ~58 GB pipeline plus a 100-step edit. */
export const DEFAULT_IMAGE_EDIT_TIMEOUT_SECONDS = 900;

/** What `edit_image` needs. Proxy-auth tokens are the VLM's (one workspace, one token pair). */
export interface ImageEditConfig {
  /** Root URL without trailing slash. */
  url: string;
  maxInputImages: number;
  defaultSteps: number;
  maxSteps: number;
  /** Seconds. */
  timeoutSeconds: number;
}

/**
 * The image-edit configuration, or `undefined` when no image-edit deployment is configured
 * (no `IMAGE_EDIT_ENDPOINT` and none in the endpoint config): then `edit_image` is not offered.
 * @throws Error for an `IMAGE_EDIT_TIMEOUT` that is not a positive whole number of seconds.
 */
export async function loadImageEditConfig(env: NodeJS.ProcessEnv = process.env): Promise<ImageEditConfig | undefined> {
  const timeoutText = env[IMAGE_EDIT_ENV.timeout];
  const timeoutSeconds = timeoutText === undefined || timeoutText === "" ? DEFAULT_IMAGE_EDIT_TIMEOUT_SECONDS : Number(timeoutText);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(`invalid ${IMAGE_EDIT_ENV.timeout}: got "${timeoutText}"; must be a positive whole number of seconds`);
  }
  const fromEnv = env[IMAGE_EDIT_ENV.endpoint];
  if (fromEnv) {
    if (!/^https?:\/\/[^\s]+$/.test(fromEnv)) throw new Error(`invalid ${IMAGE_EDIT_ENV.endpoint}: got "${fromEnv}"; must be an http(s) URL`);
    // Without the endpoint config, the deployment's defaults (infra/config/image-edit-schema.ts).
    return { url: fromEnv.replace(/\/+$/, ""), maxInputImages: 2, defaultSteps: 40, maxSteps: 100, timeoutSeconds };
  }
  try {
    const endpoint = imageEditEndpoint(await readEndpointConfig(defaultEndpointConfigPath(env)));
    return { url: endpoint.url, maxInputImages: endpoint.maxInputImages, defaultSteps: endpoint.defaultSteps, maxSteps: endpoint.maxSteps, timeoutSeconds };
  } catch {
    return undefined;
  }
}
