/**
 * The options naming this project's Pulumi stack (`--pulumi-stack NAME`, `--pulumi-config-file
 * FILE`), and the one step every command that talks to Modal (status, warm, cool, spend, logs,
 * history, bench, dashboard) takes with them: the Modal API token the stack deploys with, when its
 * config holds one, replaces the environment's (infra/config/stack-credentials.ts).
 * @module
 */
import { resolve } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { readEndpointConfig } from "@qwen-code-modal/contract/endpoint-config";
import { UserError } from "../core/errors";
import type { Environment } from "../core/environment";
import type { EndpointContext } from "../endpoints/context";
import { withStackModalCredentials, type StackCredentialsTarget } from "../config/stack-credentials";

/** `--pulumi-stack NAME` (default: the stack that wrote the endpoint config) and `--pulumi-config-file FILE` (default `<root>/Pulumi.<stack>.yaml`). */
export const PULUMI_STACK_OPTIONS = {
  "pulumi-stack": { type: "string" },
  "pulumi-config-file": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** The usage words of {@link PULUMI_STACK_OPTIONS}. */
export const PULUMI_STACK_USAGE = "[--pulumi-stack NAME] [--pulumi-config-file FILE]";

/** Parsed {@link PULUMI_STACK_OPTIONS}. */
export interface PulumiStackValues {
  "pulumi-stack"?: string;
  "pulumi-config-file"?: string;
}

/**
 * The stack a command means: `--pulumi-stack`, else `deployedStack` (the endpoint config's `stack`).
 * @returns undefined when neither names one.
 * @throws UserError when `--pulumi-config-file` is given without any stack name.
 */
export function pulumiStackTarget(values: PulumiStackValues, root: string, deployedStack: string | undefined): StackCredentialsTarget | undefined {
  const stack = values["pulumi-stack"] ?? deployedStack;
  if (!stack) {
    if (values["pulumi-config-file"]) throw new UserError("--pulumi-config-file needs the stack's name: pass --pulumi-stack NAME (no endpoint config names it)");
    return undefined;
  }
  // Relative to where the user ran the command (pulumi itself runs in the project root).
  const configFile = values["pulumi-config-file"];
  return { stack, root, configFile: configFile === undefined ? undefined : resolve(configFile) };
}

/**
 * The options to hand a child `qwen-code-modal` command (warm's `cool --timer`) so that it reads
 * the same stack config: the ones given, as given.
 */
export function pulumiStackArgs(values: PulumiStackValues): string[] {
  return Object.keys(PULUMI_STACK_OPTIONS).flatMap((name) => {
    const value = values[name as keyof PulumiStackValues];
    return value === undefined ? [] : [`--${name}`, value];
  });
}

/**
 * `environment` with the stack config's Modal API token when it has one (see module comment).
 * @param deployedStack - the stack that wrote the endpoint config, when known.
 * @throws UserError naming the stack, the key and the fix when the token cannot be read.
 */
async function stackEnvironment(environment: Environment, values: PulumiStackValues, deployedStack: string | undefined): Promise<Environment> {
  const target = pulumiStackTarget(values, environment.root, deployedStack);
  return target ? withStackModalCredentials(environment, target) : environment;
}

/**
 * {@link stackEnvironment} for a command without an endpoint context (`spend`): the deployed stack
 * is the one the environment's endpoint config names, when that file is readable.
 */
export async function modalEnvironmentOf(environment: Environment, values: PulumiStackValues): Promise<Environment> {
  const deployed = await readEndpointConfig(environment.endpointConfigPath).then((c) => c.stack, () => undefined);
  return stackEnvironment(environment, values, deployed);
}

/**
 * `context` whose environment (and `env`) carry the stack config's Modal API token when it has one.
 * @param deployedStack - default: the endpoint config's `stack`.
 * @throws UserError as {@link stackEnvironment}.
 */
export async function withModalStack<C extends EndpointContext>(context: C, values: PulumiStackValues, deployedStack: string | undefined = context.config.stack): Promise<C> {
  const environment = await stackEnvironment(context.environment, values, deployedStack);
  return environment === context.environment ? context : { ...context, environment, env: { ...environment.vars } };
}
