/**
 * The whole stack: one {@link ModelDeployment} per enabled deployment and the exported
 * endpoint config (its place, created before the apps and removed after them, and its document,
 * written from their URLs). Shared by the Pulumi entry point (infra/index.ts) and the tests,
 * which run it under Pulumi's mocks.
 * @module
 */
// Subpaths of @pulumi/pulumi, not its root (which loads the Automation API and the closure serializer: docs/engine.md).
import * as pulumiLog from "@pulumi/pulumi/log";
import type { Output } from "@pulumi/pulumi/output";
import { ENDPOINT_CONFIG_VERSION } from "@qwen-code-modal/contract/endpoint-config";
import type { ResolvedConfig } from "../config/resolve";
import type { Prepared } from "../prepare";
import { buildPlan, type PlanEntry } from "../plan/plan";
import { budgetOutlook } from "../plan/budget";
import { EndpointConfigDocument, EndpointConfigFile } from "./endpoint-config-file";
import { ModelDeployment } from "./model-deployment";
import { ImageEditDeployment } from "./image-edit-deployment";
import { buildImageEditPlan, type ImageEditPlanEntry } from "../plan/image-edit-plan";
import { ControlDeployment } from "./control-deployment";
import { controlFacts } from "../render/control-shim";

/** What the stack needs, all validated already. */
export interface StackInputs {
  stackName: string;
  config: ResolvedConfig;
  prepared: Prepared;
  /** The environment's endpoint config path (infra/core/environment.ts), used unless the stack config names one. */
  endpointConfigPath: string;
}

/** Stack outputs. */
export interface StackOutputs {
  /** Per deployment: app, URL, OpenAI base URL, served model name. */
  endpoints: Record<string, { app: string; url: Output<string>; baseUrl: Output<string>; model: string }>;
  /** Where the exported endpoint config was written. */
  endpointConfigPath: string;
  /** The plan each deployment was made from: GPU, context, concurrency, capacity, cost, cold start. */
  plan: PlanEntry[];
  /** Image-edit deployments: app and proxy-auth'd URL. */
  imageEdits: Record<string, { app: string; url: Output<string>; model: string }>;
  /** The plan of each image-edit deployment: GPU memory, per-image time and cost, cold start. */
  imageEditPlan: ImageEditPlanEntry[];
  /** The controller app (`qcm-control`), unless the stack config sets `control: false`. */
  control?: { app: string };
}

/** Declares every resource of the stack and returns its outputs. */
export function defineStack(inputs: StackInputs): StackOutputs {
  const { config, prepared } = inputs;
  const endpointConfigPath = config.settings.endpointConfigPath ?? inputs.endpointConfigPath;
  const file = new EndpointConfigFile("endpoint-config-file", { path: endpointConfigPath });
  const appArgs = {
    environment: config.settings.environment,
    deployTimeoutSeconds: config.settings.deployTimeout,
    proxyAuth: { tokenIdEnv: config.settings.proxyTokenIdEnv, tokenSecretEnv: config.settings.proxyTokenSecretEnv },
  };
  // Every app depends on the config's place: destroy stops the apps before it removes the file.
  const afterFile = { dependsOn: [file] };
  const plan = buildPlan(prepared.deployments, config.settings);
  const gateSeconds = (name: string) => plan.find((e) => e.name === name)?.gate.boundSeconds ?? undefined;
  const deployments = prepared.deployments.map((p) => [p.name, new ModelDeployment(p.name, { prepared: p, ...appArgs, gateSeconds: gateSeconds(p.name) }, afterFile)] as const);
  const imageEdits = (prepared.imageEdits ?? []).map((p) => [p.name, new ImageEditDeployment(p.name, { prepared: p, ...appArgs }, afterFile)] as const);
  const control = prepared.control ? new ControlDeployment("control", { prepared: prepared.control, ...appArgs }, afterFile) : undefined;
  // What plan prints, `pulumi preview` shows too.
  for (const entry of plan) for (const warning of entry.warnings) pulumiLog.warn(`${entry.name}: ${warning}`);
  const imageEditPlan = buildImageEditPlan(prepared.imageEdits ?? [], config.settings);
  for (const entry of imageEditPlan) for (const warning of entry.warnings) pulumiLog.warn(`${entry.name}: ${warning}`);
  const budget = config.settings.budget ? budgetOutlook(plan, config.settings.budget) : undefined;
  if (budget?.warning) pulumiLog.warn(budget.warning);
  new EndpointConfigDocument(
    "endpoint-config",
    {
      path: file.path,
      document: {
        version: ENDPOINT_CONFIG_VERSION,
        stack: inputs.stackName,
        proxyAuth: { tokenIdEnv: config.settings.proxyTokenIdEnv, tokenSecretEnv: config.settings.proxyTokenSecretEnv },
        endpoints: Object.fromEntries(deployments.map(([name, dep]) => [name, dep.endpoint])),
        ...(imageEdits.length ? { imageEdits: Object.fromEntries(imageEdits.map(([name, dep]) => [name, dep.endpoint])) } : {}),
        ...(config.settings.budget ? { budget: { usdPerMonth: config.settings.budget.usdPerMonth } } : {}),
        ...(prepared.control ? { control: controlFacts(prepared.control.config) } : {}),
      },
      urlSources: Object.fromEntries([
        ...plan.map((e) => [e.name, e.url]),
        ...imageEditPlan.map((e) => [e.name, `${e.url} ${e.imagesUrl ?? ""}`.trim()]),
      ]),
    },
    { dependsOn: [...deployments.map(([, dep]) => dep), ...imageEdits.map(([, dep]) => dep)] },
  );
  return {
    endpoints: Object.fromEntries(
      deployments.map(([name, dep]) => [name, { app: dep.endpoint.app as string, url: dep.url, baseUrl: dep.baseUrl, model: dep.endpoint.model as string }]),
    ),
    endpointConfigPath,
    plan,
    imageEdits: Object.fromEntries(imageEdits.map(([name, dep]) => [name, { app: dep.endpoint.app as string, url: dep.url, model: dep.endpoint.model as string }])),
    imageEditPlan,
    ...(control ? { control: { app: control.app } } : {}),
  };
}
