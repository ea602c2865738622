/**
 * Pulumi program entry (`main` in Pulumi.yaml). `pulumi up` runs it: validate the stack config
 * and credentials, render each shim and check it with the real modal SDK, then declare one
 * ModelDeployment per deployment and the exported endpoint config. Any invalid input stops it
 * here, before a single resource is registered.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { resolveModalCredentials } from "./config/credentials";
import { envFilePath, loadEnvironment } from "./config/env-file";
import { readPulumiConfig } from "./config/pulumi-config";
import { resolveConfig } from "./config/resolve";
import { prepareDeployments } from "./prepare";
import { modalCli } from "./paths";
import { defineStack } from "./program/stack";

async function main() {
  const envFile = envFilePath();
  const env = loadEnvironment(envFile);
  const { raw, credentials: fromConfig } = readPulumiConfig();
  // The modal CLI's own MODAL_ENVIRONMENT applies unless the stack config names an environment.
  if (env.MODAL_ENVIRONMENT && raw.settings?.environment === undefined) raw.settings = { ...raw.settings, environment: env.MODAL_ENVIRONMENT };
  const config = resolveConfig(raw);
  const credentials = resolveModalCredentials({
    config: fromConfig,
    env,
    modalTomlExists: existsSync(join(homedir(), ".modal.toml")),
  });
  for (const name of [config.settings.proxyTokenIdEnv, config.settings.proxyTokenSecretEnv]) {
    if (!env[name]) pulumi.log.warn(`${name} is not set in the environment or .env: qodal and vlm-analyzer need it to call the endpoints (Modal dashboard → Settings → Proxy Auth Tokens)`);
  }
  const prepared = await prepareDeployments(config);
  return defineStack({ stackName: pulumi.getStack(), config, prepared, credentials, modalCli: modalCli(), envFile });
}

export = main();
