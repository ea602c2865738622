/**
 * Pulumi program entry (Pulumi.yaml's `main` is its tsc build, dist/infra/index.js; see
 * docs/engine.md). `pulumi up` runs it: check that the build is current, validate the stack config
 * and credentials, render each shim and check it with the real modal SDK, then declare the
 * stack (infra/program/stack.ts). Any invalid input stops it here, before a single resource is
 * registered, as one `error:` block listing every problem (a `pulumi.RunError`, which the
 * Node.js language host prints without a stack trace) and a non-zero exit.
 * @module
 */
// Subpaths of @pulumi/pulumi, not its root (which loads the Automation API and the closure serializer: docs/engine.md).
import * as pulumiLog from "@pulumi/pulumi/log";
import { getStack } from "@pulumi/pulumi/metadata";
import { RunError } from "@pulumi/pulumi/errors";
import { existsSync } from "node:fs";
import { UserError } from "./core/errors";
import { assertBuildCurrent } from "./core/build";
import { projectRoot } from "./core/paths";
import { resolveModalCredentials } from "./config/credentials";
import { resolveEnvironment, type Environment } from "./core/environment";
import { readPulumiConfig } from "./config/pulumi-config";
import { ConfigError, resolveConfig, type ResolvedConfig } from "./config/resolve";
import { prepareDeployments, vllmCheckEnvironment } from "./prepare";
import { defineStack } from "./program/stack";

/** Every problem with the stack config and the credentials, or the resolved config. */
function validate(environment: Environment): ResolvedConfig {
  const env = environment.vars;
  const { raw, credentials, unknownKeys } = readPulumiConfig();
  // The modal CLI's own MODAL_ENVIRONMENT applies unless the stack config names an environment.
  const modalEnvironment = environment.modal.environment;
  if (modalEnvironment && raw.settings?.environment === undefined) raw.settings = { ...raw.settings, environment: modalEnvironment };
  const problems = [...unknownKeys];
  let config: ResolvedConfig | undefined;
  try {
    config = resolveConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  try {
    // Checked here so that a preview fails before anything is deployed; the provider resolves
    // the credentials again when each operation runs (infra/provider/operation-env.ts).
    resolveModalCredentials({ config: credentials, env, modalTomlExists: existsSync(environment.modal.profilePath) });
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length || !config) throw new ConfigError(problems);
  for (const name of [config.settings.proxyTokenIdEnv, config.settings.proxyTokenSecretEnv]) {
    if (!env[name]) pulumiLog.warn(`${name} is not set in the environment or .env: qodal and vlm-analyzer need it to call the endpoints (Modal dashboard → Settings → Proxy Auth Tokens)`);
  }
  return config;
}

async function main() {
  try {
    // Pulumi.yaml runs the tsc build (dist/infra/index.js, no per-run TypeScript compilation): refuse
    // a build that is not of these sources, before anything is read or registered. From source
    // (tests, ts-node) there is nothing to compare.
    if (__filename.endsWith(".js")) assertBuildCurrent(projectRoot());
    const environment = resolveEnvironment();
    const config = validate(environment);
    // The modal SDK and (when installed, unless QCM_VLLM_CHECK=0) the pinned vLLM check every shim
    // before anything is deployed; an unchanged shim's passing reports come from the cache folder.
    const prepared = await prepareDeployments(config, { python: environment.modal.python, vllm: vllmCheckEnvironment(environment), cacheDir: environment.cacheDir });
    for (const warning of prepared.warnings) pulumiLog.warn(warning);
    return defineStack({ stackName: getStack(), config, prepared, endpointConfigPath: environment.endpointConfigPath });
  } catch (err) {
    // A user-facing error: its message, once, without the stack trace of an unhandled exception.
    if (err instanceof ConfigError || err instanceof UserError) throw new RunError(err.message);
    throw err;
  }
}

// Exported as a function: the language host calls and awaits it, so a rejection is handled at once
// (exporting `main()` made Node warn "PromiseRejectionHandledWarning" under the real engine).
export = main;
