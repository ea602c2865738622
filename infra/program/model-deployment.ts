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

/** Arguments of a {@link ModelDeployment}. */
export interface ModelDeploymentArgs {
  /** The rendered, checked deployment. */
  prepared: PreparedDeployment;
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
    const app = new ModalApp(
      name,
      {
        appName: d.appName,
        environment: args.environment,
        deploymentName: name,
        shimSource: args.prepared.shim.source,
        // A rolling deploy starts the new container beside the old one: impossible with max_containers=1.
        strategy: d.maxContainers === 1 ? "recreate" : "rolling",
        modalCli: args.modalCli,
        envFile: args.envFile,
        deployTimeoutSeconds: args.deployTimeoutSeconds,
        credentials: args.credentials,
      },
      { parent: this },
    );
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
