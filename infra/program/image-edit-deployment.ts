/**
 * `ImageEditDeployment`: the component for one image-edit deployment: its Modal app (GPU class,
 * web functions, cleanup) and the endpoint facts clients need.
 * @module
 */
// Subpaths of @pulumi/pulumi, not its root (which loads the Automation API and the closure serializer: docs/engine.md).
import { ComponentResource, type ComponentResourceOptions } from "@pulumi/pulumi/resource";
import type { Input, Output } from "@pulumi/pulumi/output";
import type { ImageEditEndpoint } from "@qwen-code-modal/contract";
import type { PreparedImageEdit } from "../prepare";
import { deploymentApp, type ModalAppArgs } from "./model-deployment";
import { SERVE_FUNCTION } from "../render/shim";
import { IMAGES_FUNCTION } from "../render/image-edit-shim";

/** Env var the clients read the bearer key of the `images` endpoint from (same key as in the Modal Secret). */
export const IMAGE_API_KEY_ENV = "QCM_IMAGE_API_KEY";

/** Arguments of an {@link ImageEditDeployment}. */
export interface ImageEditDeploymentArgs extends ModalAppArgs {
  /** The rendered, checked deployment. */
  prepared: PreparedImageEdit;
}

/** One diffusers image-edit pipeline on Modal: job API + OpenAI Images API behind proxy auth. */
export class ImageEditDeployment extends ComponentResource {
  /** Root URL of the proxy-auth'd endpoint. */
  readonly url: Output<string>;
  /**
   * The endpoint as the exported endpoint config describes it, with each URL as its own output
   * (unknown during a preview that updates the app; the rest is known).
   */
  readonly endpoint: { [K in keyof ImageEditEndpoint]: Input<ImageEditEndpoint[K]> };

  constructor(name: string, args: ImageEditDeploymentArgs, opts?: ComponentResourceOptions) {
    super("qwen-code-modal:index:ImageEditDeployment", name, {}, opts);
    const d = args.prepared.deployment;
    const app = deploymentApp(this, name, { appName: d.appName, shim: args.prepared.shim, maxContainers: d.maxContainers }, args, opts);
    const urlOf = (urls: Record<string, string> | undefined, fn: string) => {
      const url = urls?.[fn];
      if (!url) throw new Error(`modal deploy of ${d.appName} reported no web endpoint URL for function ${fn}`);
      return url;
    };
    this.url = app.urls.apply((urls) => urlOf(urls, SERVE_FUNCTION));
    this.endpoint = {
      role: "image-edit" as const,
      app: d.appName,
      url: this.url,
      model: d.servedModelName,
      modelId: d.modelId,
      maxInputImages: d.maxInputImages,
      defaultSteps: d.steps,
      maxSteps: d.maxSteps,
      ...(d.imageApiKeySecret
        ? { imageGenBaseUrl: app.urls.apply((urls) => `${urlOf(urls, IMAGES_FUNCTION)}/v1`), imageGenKeyEnv: IMAGE_API_KEY_ENV }
        : {}),
    };
    this.registerOutputs({ url: this.url });
  }
}
