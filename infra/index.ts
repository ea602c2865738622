/**
 * Pulumi program entry (`main` in Pulumi.yaml). `pulumi up` runs it: validate the stack config
 * and credentials, render each shim and check it with the real modal SDK, then declare one
 * ModelDeployment per deployment and the exported endpoint config. Any invalid input stops it
 * here, before a single resource is registered.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { resolveModalCredentials } from "./config/credentials";
import { resolveEnvironment } from "./core/environment";
import { readPulumiConfig } from "./config/pulumi-config";
import { resolveConfig } from "./config/resolve";
import { prepareDeployments } from "./prepare";
import { defineStack } from "./program/stack";

async function main() {
  const environment = resolveEnvironment();
  const env = environment.vars;
  const { raw, credentials: fromConfig } = readPulumiConfig();
  // The modal CLI's own MODAL_ENVIRONMENT applies unless the stack config names an environment.
  const modalEnvironment = environment.modal.environment;
  if (modalEnvironment && raw.settings?.environment === undefined) raw.settings = { ...raw.settings, environment: modalEnvironment };
  const config = resolveConfig(raw);
  const credentials = resolveModalCredentials({
    config: fromConfig,
    env,
    modalTomlExists: existsSync(environment.modal.profilePath),
  });
  for (const name of [config.settings.proxyTokenIdEnv, config.settings.proxyTokenSecretEnv]) {
    if (!env[name]) pulumi.log.warn(`${name} is not set in the environment or .env: qodal and vlm-analyzer need it to call the endpoints (Modal dashboard → Settings → Proxy Auth Tokens)`);
  }
  const prepared = await prepareDeployments(config, { python: environment.modal.python });
  for (const warning of prepared.warnings) pulumi.log.warn(warning);
  return defineStack({ stackName: pulumi.getStack(), config, prepared, credentials, modalCli: environment.modal.cli, envFile: environment.envFile, endpointConfigPath: environment.endpointConfigPath });
}

export = main();
