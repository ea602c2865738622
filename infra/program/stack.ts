/**
 * The whole stack: one {@link ModelDeployment} per enabled deployment and the exported
 * endpoint config file. Shared by the Pulumi entry point (infra/index.ts) and the tests,
 * which run it under Pulumi's mocks.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { endpointConfigSchema, ENDPOINT_CONFIG_VERSION, type Endpoint, type ImageEditEndpoint } from "@qwen-code-modal/contract";
import type { CredentialSource } from "../config/credentials";
import type { ResolvedConfig } from "../config/resolve";
import type { Prepared } from "../prepare";
import { buildPlan, type PlanEntry } from "../plan/plan";
import { budgetOutlook } from "../plan/budget";
import { EndpointConfigFile } from "./endpoint-config-file";
import { ModelDeployment } from "./model-deployment";
import { ImageEditDeployment } from "./image-edit-deployment";
import { buildImageEditPlan, type ImageEditPlanEntry } from "../plan/image-edit-plan";

/** What the stack needs, all validated already. */
export interface StackInputs {
  stackName: string;
  config: ResolvedConfig;
  prepared: Prepared;
  credentials: CredentialSource;
  modalCli: string;
  envFile?: string;
  /** The environment's endpoint config path (infra/core/environment.ts), used unless the stack config names one. */
  endpointConfigPath: string;
}

/** Stack outputs. */
export interface StackOutputs {
  /** Per deployment: app, URL, OpenAI base URL, served model name. */
  endpoints: Record<string, pulumi.Output<{ app: string; url: string; baseUrl: string; model: string }>>;
  /** Where the exported endpoint config was written. */
  endpointConfigPath: string;
  /** The plan each deployment was made from: GPU, context, concurrency, capacity, cost, cold start. */
  plan: PlanEntry[];
  /** Image-edit deployments: app and proxy-auth'd URL. */
  imageEdits: Record<string, pulumi.Output<{ app: string; url: string; model: string }>>;
  /** The plan of each image-edit deployment: GPU memory, per-image time and cost, cold start. */
  imageEditPlan: ImageEditPlanEntry[];
}

/** Declares every resource of the stack and returns its outputs. */
export function defineStack(inputs: StackInputs): StackOutputs {
  const { config, prepared } = inputs;
  const credentials = inputs.credentials.kind === "explicit" ? pulumi.secret(inputs.credentials.credentials) : undefined;
  const appArgs = {
    environment: config.settings.environment,
    modalCli: inputs.modalCli,
    envFile: inputs.envFile,
    credentials,
    deployTimeoutSeconds: config.settings.deployTimeout,
  };
  const deployments = prepared.deployments.map((p) => [p.name, new ModelDeployment(p.name, { prepared: p, ...appArgs })] as const);
  const imageEdits = (prepared.imageEdits ?? []).map((p) => [p.name, new ImageEditDeployment(p.name, { prepared: p, ...appArgs })] as const);
  const endpointConfigPath = config.settings.endpointConfigPath ?? inputs.endpointConfigPath;
  const imageEndpoints = pulumi.all(imageEdits.map(([, dep]) => dep.endpoint));
  const content = pulumi.all([pulumi.all(deployments.map(([, dep]) => dep.endpoint)), imageEndpoints]).apply(([endpoints, images]: [Endpoint[], ImageEditEndpoint[]]) => {
    const file = endpointConfigSchema.parse({
      version: ENDPOINT_CONFIG_VERSION,
      stack: inputs.stackName,
      proxyAuth: { tokenIdEnv: config.settings.proxyTokenIdEnv, tokenSecretEnv: config.settings.proxyTokenSecretEnv },
      endpoints: Object.fromEntries(deployments.map(([name], i) => [name, endpoints[i]])),
      ...(imageEdits.length ? { imageEdits: Object.fromEntries(imageEdits.map(([name], i) => [name, images[i]])) } : {}),
      ...(config.settings.budget ? { budget: { usdPerMonth: config.settings.budget.usdPerMonth } } : {}),
    });
    return `${JSON.stringify(file, null, 2)}\n`;
  });
  const plan = buildPlan(prepared.deployments, config.settings);
  // What plan prints, `pulumi preview` shows too.
  for (const entry of plan) for (const warning of entry.warnings) pulumi.log.warn(`${entry.name}: ${warning}`);
  const imageEditPlan = buildImageEditPlan(prepared.imageEdits ?? [], config.settings);
  for (const entry of imageEditPlan) for (const warning of entry.warnings) pulumi.log.warn(`${entry.name}: ${warning}`);
  const budget = config.settings.budget ? budgetOutlook(plan, config.settings.budget) : undefined;
  if (budget?.warning) pulumi.log.warn(budget.warning);
  new EndpointConfigFile("endpoint-config", { path: endpointConfigPath, content }, { dependsOn: [...deployments.map(([, dep]) => dep), ...imageEdits.map(([, dep]) => dep)] });
  return {
    endpoints: Object.fromEntries(
      deployments.map(([name, dep]) => [name, dep.endpoint.apply((e) => ({ app: e.app, url: e.url, baseUrl: e.baseUrl, model: e.model }))]),
    ),
    endpointConfigPath,
    plan,
    imageEdits: Object.fromEntries(imageEdits.map(([name, dep]) => [name, dep.endpoint.apply((e) => ({ app: e.app, url: e.url, model: e.model }))])),
    imageEditPlan,
  };
}
