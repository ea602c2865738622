/**
 * What a provider operation runs `modal` with, resolved when the operation runs, in the process
 * that runs it (Pulumi's dynamic provider host): never read from state, so `pulumi destroy`
 * after a token rotation, or from another clone of the project, uses this machine's modal CLI
 * and the current credentials.
 *
 * The environment is the project's one resolution (infra/core/environment.ts), from the project
 * root found from the working directory. Credentials, in order: the stack's `qwen-code-modal:modalTokenId`/`modalTokenSecret` config
 * (Pulumi hands the stack config to the provider's `configure`), the process environment, the
 * project's `.env`, else none (the modal CLI then uses its own `~/.modal.toml`).
 * @module
 */
import { resolveModalEnvironment } from "../core/environment";
import { modalChildEnv } from "./modal-cli";
import { projectRootFromCwd } from "./build-provider";

/** Credentials from the stack config, as `configure` found them. */
export interface ConfiguredCredentials {
  tokenId?: string;
  tokenSecret?: string;
}

/** How this operation runs the modal CLI. */
export interface OperationEnvironment {
  /** The modal CLI: `$QCM_MODAL_CLI`, else `<project>/.venv/bin/modal`. */
  cli: string;
  /** The child's environment (see `modalChildEnv`). */
  env: Record<string, string>;
  /** Every variable of the operation (process over .env): the provider reads the proxy token for verifyDeploy here. Secrets: never log. */
  vars: Readonly<Record<string, string | undefined>>;
  /** The deploy-events file the dashboard follows (infra/core/environment `deployEventsPath`). */
  eventsPath: string;
}

/**
 * Resolves the operation's environment now.
 * @param configured - the stack config's credentials (both or neither are used).
 * @param processEnv - the provider host's environment (the `pulumi` process's).
 */
export function operationEnvironment(configured: ConfiguredCredentials = {}, processEnv: NodeJS.ProcessEnv = process.env): OperationEnvironment {
  const environment = resolveModalEnvironment({ root: projectRootFromCwd(process.cwd()), processEnv });
  const credentials = configured.tokenId && configured.tokenSecret ? { tokenId: configured.tokenId, tokenSecret: configured.tokenSecret } : undefined;
  return { cli: environment.modal.cli, env: modalChildEnv(environment.vars, credentials), vars: environment.vars, eventsPath: environment.deployEventsPath };
}
