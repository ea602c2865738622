/**
 * The whole stack: one {@link ModelDeployment} per enabled deployment and the exported
 * endpoint config (its place, created before the apps and removed after them, and its document,
 * written from their URLs). Shared by the Pulumi entry point (infra/index.ts) and the tests,
 * which run it under Pulumi's mocks.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { ENDPOINT_CONFIG_VERSION } from "@qwen-code-modal/contract";
import type { ResolvedConfig } from "../config/resolve";
import type { Prepared } from "../prepare";
import { buildPlan, type PlanEntry } from "../plan/plan";
import { budgetOutlook } from "../plan/budget";
import { EndpointConfigDocument, EndpointConfigFile } from "./endpoint-config-file";
import { ModelDeployment } from "./model-deployment";

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
  endpoints: Record<string, { app: string; url: pulumi.Output<string>; baseUrl: pulumi.Output<string>; model: string }>;
  /** Where the exported endpoint config was written. */
  endpointConfigPath: string;
  /** The plan each deployment was made from: GPU, context, concurrency, capacity, cost, cold start. */
  plan: PlanEntry[];
}

/** Declares every resource of the stack and returns its outputs. */
export function defineStack(inputs: StackInputs): StackOutputs {
  const { config, prepared } = inputs;
  const endpointConfigPath = config.settings.endpointConfigPath ?? inputs.endpointConfigPath;
  const file = new EndpointConfigFile("endpoint-config-file", { path: endpointConfigPath });
  const deployments = prepared.deployments.map(
    (p) =>
      [
        p.name,
        new ModelDeployment(
          p.name,
          {
            prepared: p,
            environment: config.settings.environment,
            deployTimeoutSeconds: config.settings.deployTimeout,
            proxyAuth: { tokenIdEnv: config.settings.proxyTokenIdEnv, tokenSecretEnv: config.settings.proxyTokenSecretEnv },
          },
          { dependsOn: [file] },
        ),
      ] as const,
  );
  const plan = buildPlan(prepared.deployments, config.settings);
  // What plan prints, `pulumi preview` shows too.
  for (const entry of plan) for (const warning of entry.warnings) pulumi.log.warn(`${entry.name}: ${warning}`);
  const budget = config.settings.budget ? budgetOutlook(plan, config.settings.budget) : undefined;
  if (budget?.warning) pulumi.log.warn(budget.warning);
  new EndpointConfigDocument(
    "endpoint-config",
    {
      path: file.path,
      document: {
        version: ENDPOINT_CONFIG_VERSION,
        stack: inputs.stackName,
        proxyAuth: { tokenIdEnv: config.settings.proxyTokenIdEnv, tokenSecretEnv: config.settings.proxyTokenSecretEnv },
        endpoints: Object.fromEntries(deployments.map(([name, dep]) => [name, dep.endpoint])),
        ...(config.settings.budget ? { budget: { usdPerMonth: config.settings.budget.usdPerMonth } } : {}),
      },
      urlSources: Object.fromEntries(plan.map((e) => [e.name, e.url])),
    },
    { dependsOn: deployments.map(([, dep]) => dep) },
  );
  return {
    endpoints: Object.fromEntries(
      deployments.map(([name, dep]) => [name, { app: dep.endpoint.app as string, url: dep.url, baseUrl: dep.baseUrl, model: dep.endpoint.model as string }]),
    ),
    endpointConfigPath,
    plan,
  };
}
