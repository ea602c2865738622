/**
 * One way for every client and operations command to find what it talks to: the exported
 * endpoint config (which deployments, their URLs and model names) and the proxy credentials.
 * @module
 */
import {
  endpointForRole,
  readEndpointConfig,
  type Endpoint,
  type EndpointConfig,
  type EndpointRole,
} from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";
import { resolveEnvironment, type Environment } from "../core/environment";
import { learnSecrets } from "../core/redaction";
import { proxyCredentials, type ProxyCredentials } from "./credentials";

/** The deployments and the environment, before credentials are required. */
export interface EndpointContext {
  config: EndpointConfig;
  /** The endpoint config file read. */
  configPath: string;
  /** The env file consulted. */
  envFile: string;
  /** Process environment over the env file's variables (`environment.vars`). */
  env: NodeJS.ProcessEnv;
  /** The command's resolved environment. */
  environment: Environment;
}

/** What a command that calls the endpoints runs against. */
export interface ClientContext extends EndpointContext {
  credentials: ProxyCredentials;
}

/** Where to read from; unset fields take the defaults. */
export interface ContextOptions {
  config?: string;
  /** `--dotenv FILE`. */
  dotenv?: string;
  /** `--env-file FILE`, the old name of `--dotenv`. */
  "env-file"?: string;
}

/**
 * Reads the endpoint config and the environment.
 * @throws UserError in one line when the config is missing or invalid.
 */
export async function loadEndpointContext(options: ContextOptions = {}): Promise<EndpointContext> {
  const environment = resolveEnvironment({ envFile: options.dotenv ?? options["env-file"] });
  const { envFile } = environment;
  const env: NodeJS.ProcessEnv = { ...environment.vars };
  const configPath = options.config ?? environment.endpointConfigPath;
  let config: EndpointConfig;
  try {
    config = await readEndpointConfig(configPath);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  learnSecrets(environment.vars, [config.proxyAuth.tokenIdEnv, config.proxyAuth.tokenSecretEnv]);
  return { config, configPath, envFile, env, environment };
}

/**
 * Reads the endpoint config and the credentials.
 * @throws UserError in one line when the config is missing or invalid, or a credential is unset.
 */
export async function loadClientContext(options: ContextOptions = {}): Promise<ClientContext> {
  const context = await loadEndpointContext(options);
  return { ...context, credentials: proxyCredentials(context.config.proxyAuth, context.env, context.envFile) };
}

/**
 * The deployment serving a role.
 * @throws UserError listing the deployments the config has.
 */
export function requireEndpoint(context: EndpointContext, role: EndpointRole): Endpoint {
  try {
    return endpointForRole(context.config, role);
  } catch (err) {
    throw new UserError(`${(err as Error).message} (endpoint config ${context.configPath})`);
  }
}
