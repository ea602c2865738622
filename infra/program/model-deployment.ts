/**
 * `ModelDeployment`: the component for one deployment: its Modal app and the endpoint facts
 * clients need.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "@qwen-code-modal/contract";
import type { PreparedDeployment } from "../prepare";
import type { ModalCredentials } from "../core/environment";
import { ModalApp } from "../provider/modal-app";
import { SERVE_FUNCTION } from "../render/shim";

/** How a deployment's Modal app is deployed: the same for every kind of deployment. */
export interface ModalAppArgs {
  /** Modal environment; omitted for the profile default. */
  environment?: string;
  /** modal CLI to deploy with. */
  modalCli: string;
  /** Project .env, read by the provider at call time for credentials. */
  envFile?: string;
  /** Explicit credentials, as a Pulumi secret. */
  credentials?: pulumi.Output<ModalCredentials>;
  /** Bound on one `modal deploy`, seconds. */
  deployTimeoutSeconds: number;
}

/** Arguments of a {@link ModelDeployment}. */
export interface ModelDeploymentArgs extends ModalAppArgs {
  /** The rendered, checked deployment. */
  prepared: PreparedDeployment;
}

/**
 * The Modal app of one deployment, a child of `parent`.
 * @param maxContainers - with 1, deploys use `--strategy recreate`: a rolling deploy starts the
 *   new container beside the old one, impossible with max_containers=1.
 */
export function deploymentApp(
  parent: pulumi.Resource,
  name: string,
  app: { appName: string; shimSource: string; maxContainers?: number },
  args: ModalAppArgs,
): ModalApp {
  return new ModalApp(
    name,
    {
      appName: app.appName,
      environment: args.environment,
      deploymentName: name,
      shimSource: app.shimSource,
      strategy: app.maxContainers === 1 ? "recreate" : "rolling",
      modalCli: args.modalCli,
      envFile: args.envFile,
      deployTimeoutSeconds: args.deployTimeoutSeconds,
      credentials: args.credentials,
    },
    { parent },
  );
}

/** One model served by vLLM on Modal behind proxy auth. */
export class ModelDeployment extends pulumi.ComponentResource {
  /** Web endpoint root URL. */
  readonly url: pulumi.Output<string>;
  /** OpenAI-compatible base URL (`url` + `/v1`). */
  readonly baseUrl: pulumi.Output<string>;
  /** The endpoint as the exported endpoint config describes it. */
  readonly endpoint: pulumi.Output<Endpoint>;

  constructor(name: string, args: ModelDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-code-modal:index:ModelDeployment", name, {}, opts);
    const d = args.prepared.deployment;
    const app = deploymentApp(this, name, { appName: d.appName, shimSource: args.prepared.shim.source, maxContainers: d.maxContainers }, args);
    this.url = app.urls.apply((urls) => {
      const url = urls?.[SERVE_FUNCTION];
      if (!url) throw new Error(`modal deploy of ${d.appName} reported no web endpoint URL for function ${SERVE_FUNCTION}`);
      return url;
    });
    this.baseUrl = this.url.apply((u) => `${u}/v1`);
    this.endpoint = pulumi.all([this.url, this.baseUrl]).apply(([url, baseUrl]) => ({
      role: d.role,
      app: d.appName,
      url,
      baseUrl,
      model: d.servedModelName,
      modelId: d.modelId,
      maxModelLen: d.maxModelLen,
      maxImagesPerPrompt: d.maxImagesPerPrompt,
      toolCalling: d.toolCallParser !== undefined,
      reasoning: d.reasoningParser !== undefined,
    }));
    this.registerOutputs({ url: this.url, baseUrl: this.baseUrl, endpoint: this.endpoint });
  }
}
