/**
 * `ModelDeployment`: the component for one deployment: its Modal app and the endpoint facts
 * clients need.
 * @module
 */
// Subpaths of @pulumi/pulumi, not its root (which loads the Automation API and the closure serializer: docs/engine.md).
import { ComponentResource, type Resource, type ComponentResourceOptions } from "@pulumi/pulumi/resource";
import type { Input, Output } from "@pulumi/pulumi/output";
import type { Endpoint } from "@qwen-code-modal/contract";
import type { PreparedDeployment } from "../prepare";
import type { Deployment } from "../config/schema";
import { ModalApp, type VerifyInputs } from "../provider/modal-app";
import { SERVE_FUNCTION, type RenderedShim } from "../render/shim";

/** How a deployment's Modal app is deployed: the same for every kind of deployment. */
export interface ModalAppArgs {
  /** Modal environment; omitted for the profile default. */
  environment?: string;
  /** Bound on one `modal deploy`, seconds. */
  deployTimeoutSeconds: number;
  /** Names of the proxy-token variables, for a deployment with `verifyDeploy`. */
  proxyAuth: { tokenIdEnv: string; tokenSecretEnv: string };
}

/** The endpoint facts of a deployment, as the endpoint config and the deploy gate describe it (all but its URLs). */
function endpointFacts(d: Deployment): Omit<Endpoint, "url" | "baseUrl"> {
  return {
    role: d.role,
    app: d.appName,
    model: d.servedModelName,
    modelId: d.modelId,
    maxModelLen: d.maxModelLen,
    maxImagesPerPrompt: d.maxImagesPerPrompt,
    toolCalling: d.toolCallParser !== undefined,
    reasoning: d.reasoningParser !== undefined,
    // Only a Modal Server is marked: a web_server deployment's endpoint config stays as it was.
    ...(d.serving === "server" ? { serving: "server" as const } : {}),
  };
}

/** The ModalApp's `verify` input (the deploy gate) for a gate bound; nothing when the gate is off. */
function verifyInputs(d: Deployment, proxyAuth: ModalAppArgs["proxyAuth"], timeoutSeconds: number | undefined): { verify?: VerifyInputs } {
  if (timeoutSeconds === undefined) return {};
  return { verify: { model: d.servedModelName, timeoutSeconds, endpoint: endpointFacts(d), proxyTokenIdEnv: proxyAuth.tokenIdEnv, proxyTokenSecretEnv: proxyAuth.tokenSecretEnv } };
}

/** Arguments of a {@link ModelDeployment}. */
export interface ModelDeploymentArgs extends ModalAppArgs {
  /** The rendered, checked deployment. */
  prepared: PreparedDeployment;
  /** The deploy gate's bound, seconds (infra/plan/gate.ts); undefined: no gate. */
  gateSeconds?: number;
}

/**
 * The Modal app of one deployment, a child of `parent`.
 * @param maxContainers - with 1, deploys use `--strategy recreate`: a rolling deploy starts the
 *   new container beside the old one, impossible with max_containers=1.
 * @param opts - the component's options: its `dependsOn` (the endpoint config's place) must hold
 *   for the app itself, so that destroy stops the app before it removes the config.
 */
export function deploymentApp(
  parent: Resource,
  name: string,
  app: { appName: string; shim: RenderedShim; maxContainers?: number; verify?: VerifyInputs },
  args: ModalAppArgs,
  opts?: ComponentResourceOptions,
): ModalApp {
  return new ModalApp(
    name,
    {
      appName: app.appName,
      environment: args.environment,
      deploymentName: name,
      shimSource: app.shim.source,
      webEndpoints: app.shim.webEndpoints,
      strategy: app.maxContainers === 1 ? "recreate" : "rolling",
      deployTimeoutSeconds: args.deployTimeoutSeconds,
      ...(app.verify ? { verify: app.verify } : {}),
    },
    { parent, dependsOn: opts?.dependsOn },
  );
}

/** One model served by vLLM on Modal behind proxy auth. */
export class ModelDeployment extends ComponentResource {
  /** Web endpoint root URL. */
  readonly url: Output<string>;
  /** OpenAI-compatible base URL (`url` + `/v1`). */
  readonly baseUrl: Output<string>;
  /**
   * The endpoint as the exported endpoint config describes it, with `url` and `baseUrl` as their
   * own outputs (unknown during a preview that updates the app; the rest is known).
   */
  readonly endpoint: { [K in keyof Endpoint]: Input<Endpoint[K]> };

  constructor(name: string, args: ModelDeploymentArgs, opts?: ComponentResourceOptions) {
    super("qwen-code-modal:index:ModelDeployment", name, {}, opts);
    const d = args.prepared.deployment;
    const app = deploymentApp(this, name, { appName: d.appName, shim: args.prepared.shim, maxContainers: d.maxContainers, ...verifyInputs(d, args.proxyAuth, args.gateSeconds) }, args, opts);
    this.url = app.urls.apply((urls) => {
      const url = urls?.[SERVE_FUNCTION];
      if (!url) throw new Error(`modal deploy of ${d.appName} reported no web endpoint URL for function ${SERVE_FUNCTION}`);
      return url;
    });
    this.baseUrl = this.url.apply((u) => `${u}/v1`);
    // Keys in the order the endpoint config has always had (role, app, url, baseUrl, ...).
    const { role, app: appName, ...facts } = endpointFacts(d);
    this.endpoint = { role, app: appName, url: this.url, baseUrl: this.baseUrl, ...facts };
    this.registerOutputs({ url: this.url, baseUrl: this.baseUrl });
  }
}
