/**
 * `ModelDeployment`: the component for one deployment: its Modal app and the endpoint facts
 * clients need.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "@qwen-code-modal/contract";
import type { PreparedDeployment } from "../prepare";
import type { Deployment } from "../config/schema";
import { ModalApp, type VerifyInputs } from "../provider/modal-app";
import { verifyBoundSeconds } from "../provider/verify-deploy";
import { SERVE_FUNCTION } from "../render/shim";

/** Arguments of a {@link ModelDeployment}. */
export interface ModelDeploymentArgs {
  /** The rendered, checked deployment. */
  prepared: PreparedDeployment;
  /** Modal environment; omitted for the profile default. */
  environment?: string;
  /** Bound on one `modal deploy`, seconds. */
  deployTimeoutSeconds: number;
  /** Names of the proxy-token variables, for a deployment with `verifyDeploy`. */
  proxyAuth: { tokenIdEnv: string; tokenSecretEnv: string };
}

/** The ModalApp's `verify` input for a deployment with `verifyDeploy`; nothing otherwise (state unchanged). */
function verifyInputs(d: Deployment, proxyAuth: ModelDeploymentArgs["proxyAuth"]): { verify?: VerifyInputs } {
  const timeoutSeconds = verifyBoundSeconds(d);
  if (timeoutSeconds === undefined) return {};
  return { verify: { model: d.servedModelName, timeoutSeconds, proxyTokenIdEnv: proxyAuth.tokenIdEnv, proxyTokenSecretEnv: proxyAuth.tokenSecretEnv } };
}

/** One model served by vLLM on Modal behind proxy auth. */
export class ModelDeployment extends pulumi.ComponentResource {
  /** Web endpoint root URL. */
  readonly url: pulumi.Output<string>;
  /** OpenAI-compatible base URL (`url` + `/v1`). */
  readonly baseUrl: pulumi.Output<string>;
  /**
   * The endpoint as the exported endpoint config describes it, with `url` and `baseUrl` as their
   * own outputs (unknown during a preview that updates the app; the rest is known).
   */
  readonly endpoint: { [K in keyof Endpoint]: pulumi.Input<Endpoint[K]> };

  constructor(name: string, args: ModelDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-code-modal:index:ModelDeployment", name, {}, opts);
    const d = args.prepared.deployment;
    const app = new ModalApp(
      name,
      {
        appName: d.appName,
        environment: args.environment,
        deploymentName: name,
        shimSource: args.prepared.shim.source,
        // A rolling deploy starts the new container beside the old one: impossible with max_containers=1.
        strategy: d.maxContainers === 1 ? "recreate" : "rolling",
        deployTimeoutSeconds: args.deployTimeoutSeconds,
        ...verifyInputs(d, args.proxyAuth),
      },
      // The component's dependsOn (the endpoint config's place) must hold for the app itself, so
      // that destroy stops the app before it removes the config.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.url = app.urls.apply((urls) => {
      const url = urls?.[SERVE_FUNCTION];
      if (!url) throw new Error(`modal deploy of ${d.appName} reported no web endpoint URL for function ${SERVE_FUNCTION}`);
      return url;
    });
    this.baseUrl = this.url.apply((u) => `${u}/v1`);
    this.endpoint = {
      role: d.role,
      app: d.appName,
      url: this.url,
      baseUrl: this.baseUrl,
      model: d.servedModelName,
      modelId: d.modelId,
      maxModelLen: d.maxModelLen,
      maxImagesPerPrompt: d.maxImagesPerPrompt,
      toolCalling: d.toolCallParser !== undefined,
      reasoning: d.reasoningParser !== undefined,
    };
    this.registerOutputs({ url: this.url, baseUrl: this.baseUrl });
  }
}
