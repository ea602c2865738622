/**
 * The one environment resolution of the project. Each entry point (the Pulumi program, `plan` /
 * `render`, the client and ops commands, a provider operation) calls {@link resolveEnvironment}
 * once and passes the result down as a plain object; nothing below the entry points reads
 * `process.env` or `.env` itself.
 *
 * Rules (one set, everywhere):
 * - variables: the project's dotenv file under the process environment (a variable set in the
 *   process wins, as with dotenv); the process environment is not changed;
 * - env file: the `envFile` argument (`--dotenv`), else `$QCM_ENV_FILE`, else `<root>/.env`;
 * - every other setting below is read from the merged variables, so `.env` can set it too.
 * @module
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "dotenv";
// The endpoint config module alone: the package root also loads the gateway client (undici), which
// the Pulumi program and `plan` never use.
import { defaultEndpointConfigPath } from "@qwen-code-modal/contract/endpoint-config";
import { childVariables } from "./child-env";
import { UserError } from "./errors";
import { projectRoot } from "./paths";
import { learnModalProfile, learnSecrets } from "./redaction";

/** Modal API credentials (the MODAL_TOKEN_ID / MODAL_TOKEN_SECRET pair; Modal dashboard → Settings → API Tokens). */
export interface ModalCredentials {
  tokenId: string;
  tokenSecret: string;
}

/** Variables, as read: a value may be missing. */
export type Variables = Readonly<Record<string, string | undefined>>;

/** What the project knows about Modal from the environment. Nothing here is validated (see infra/config/credentials.ts). */
export interface ModalEnvironment {
  /** The `modal` CLI to run: `$QCM_MODAL_CLI`, else `<root>/.venv/bin/modal`. May not exist. */
  cli: string;
  /** Whether `cli` was named by `$QCM_MODAL_CLI` (then it must exist: never fall back to another modal). */
  cliExplicit: boolean;
  /** Python with the pinned modal SDK (runs the shim check): `$QCM_PYTHON`, else `<root>/.venv/bin/python`. */
  python: string;
  /** `$MODAL_ENVIRONMENT` (the Modal environment the modal CLI uses), when set and not empty. */
  environment?: string;
  /** `$MODAL_TOKEN_ID` and `$MODAL_TOKEN_SECRET`, when both are set (shape not checked). */
  credentials?: ModalCredentials;
  /**
   * Every set `MODAL_*` variable but `MODAL_PROXY_*` (token, environment, profile, server URL): the only variables of
   * this environment a `modal` child process needs besides PATH/HOME. Values are secrets: never log them.
   */
  variables: Readonly<Record<string, string>>;
  /**
   * The modal CLI's own config file (`modal token new` writes it): `$MODAL_CONFIG_PATH`, else
   * `~/.modal.toml` (source: modal SDK `modal/config.py`, `user_config_path`).
   */
  profilePath: string;
}

/** The resolved environment of one entry point. Plain data: pass it down, do not re-resolve. */
export interface Environment {
  /** The project root (folder holding Pulumi.yaml). */
  root: string;
  /** The dotenv file consulted (it may not exist). */
  envFile: string;
  /** Process environment over the env file's variables. */
  vars: Variables;
  modal: ModalEnvironment;
  /**
   * The exported endpoint config: `$QCM_ENDPOINT_CONFIG`, else
   * `$XDG_CONFIG_HOME/qwen-code-modal/endpoints.json` (`~/.config/…` when unset). Where the program
   * writes it and the clients read it, unless the stack config or `--config` names another file.
   */
  endpointConfigPath: string;
  /**
   * The project's cache folder outside the clone: `$XDG_CACHE_HOME/qwen-code-modal` (`~/.cache/…`
   * when unset). Holds the pinned vLLM's venv per version (`vllm-<version>/`, see infra/check/vllm-check.ts).
   */
  cacheDir: string;
  /** The deploy-events file the provider appends to and the dashboard follows: see {@link deployEventsPath}. */
  deployEventsPath: string;
}

/** Inputs of {@link resolveEnvironment}; all optional. */
export interface EnvironmentSources {
  /** The process environment; default `process.env`. Only entry points and tests pass another. */
  processEnv?: NodeJS.ProcessEnv;
  /** Env file to read (a command's `--dotenv`, a provider input); default `$QCM_ENV_FILE`, else `<root>/.env`. */
  envFile?: string;
  /** Project root; default {@link projectRoot}. */
  root?: string;
}

/**
 * Resolves the environment once: reads the env file (a missing file adds nothing) and derives
 * every setting from the merged variables. Teaches the process's redactor (core/redaction.ts) the
 * secret values found (variables and the modal profile's tokens).
 * @throws UserError naming the env file when it exists but cannot be read.
 * @throws Error when no project root is found (see {@link projectRoot}).
 */
export function resolveEnvironment(sources: EnvironmentSources = {}): Environment {
  const resolved = resolveModalEnvironment(sources);
  learnSecrets(resolved.vars);
  learnModalProfile(resolved.modal.profilePath);
  return { ...resolved, endpointConfigPath: defaultEndpointConfigPath(resolved.vars) };
}

/**
 * {@link resolveEnvironment} without the endpoint config path: the variables and the Modal
 * settings. For the ModalApp provider in Pulumi's provider host, which needs no endpoint config
 * path (and so does not load the contract's endpoint config schema).
 * @throws UserError naming the env file when it exists but cannot be read.
 */
export function resolveModalEnvironment(sources: EnvironmentSources = {}): Omit<Environment, "endpointConfigPath"> {
  const processEnv = sources.processEnv ?? process.env;
  const root = sources.root ?? projectRoot();
  const envFile = sources.envFile ?? (processEnv.QCM_ENV_FILE || join(root, ".env"));
  const vars: Variables = Object.freeze({ ...readEnvFile(envFile), ...processEnv });
  return {
    root,
    envFile,
    vars,
    modal: modalEnvironment(vars, root),
    deployEventsPath: deployEventsPath(vars),
    cacheDir: join(vars.XDG_CACHE_HOME || join(vars.HOME || homedir(), ".cache"), "qwen-code-modal"),
  };
}

/**
 * `environment` with another Modal API token: MODAL_TOKEN_ID / MODAL_TOKEN_SECRET set in its
 * variables (so that `environment.modal.variables`, what a `modal` child gets, carries them), every
 * other setting as resolved. Teaches the redactor the values. For a token found elsewhere than in
 * the variables (the Pulumi stack config: infra/config/stack-credentials.ts).
 */
export function withModalCredentials(environment: Environment, credentials: ModalCredentials): Environment {
  const vars: Variables = Object.freeze({ ...environment.vars, MODAL_TOKEN_ID: credentials.tokenId, MODAL_TOKEN_SECRET: credentials.tokenSecret });
  learnSecrets(vars);
  return { ...environment, vars, modal: modalEnvironment(vars, environment.root) };
}

/**
 * Where the ModalApp provider records deploy progress (infra/provider/deploy-events.ts) for the
 * dashboard: `$QCM_DEPLOY_EVENTS`, else `$XDG_STATE_HOME/qwen-code-modal/deploy-events.jsonl`
 * (`~/.local/state/...` when XDG_STATE_HOME is unset).
 */
export function deployEventsPath(vars: Variables): string {
  if (vars.QCM_DEPLOY_EVENTS) return vars.QCM_DEPLOY_EVENTS;
  const base = vars.XDG_STATE_HOME || join(vars.HOME || homedir(), ".local", "state");
  return join(base, "qwen-code-modal", "deploy-events.jsonl");
}

/**
 * The variables of a dotenv file.
 * @returns `{}` when the file does not exist.
 * @throws UserError naming the file when it exists but cannot be read.
 */
function readEnvFile(envFile: string): Record<string, string> {
  try {
    return parse(readFileSync(envFile, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return {};
    throw new UserError(`env file ${envFile} cannot be read (${code ?? String(err)})`);
  }
}

function modalEnvironment(vars: Variables, root: string): ModalEnvironment {
  // Not the proxy-auth tokens (MODAL_PROXY_*): they are for the endpoints, and modal does not read them.
  const variables = childVariables(vars, { names: [], prefixes: ["MODAL_"], except: ["MODAL_PROXY_"] });
  const tokenId = vars.MODAL_TOKEN_ID;
  const tokenSecret = vars.MODAL_TOKEN_SECRET;
  return {
    cli: vars.QCM_MODAL_CLI || join(root, ".venv", "bin", "modal"),
    cliExplicit: Boolean(vars.QCM_MODAL_CLI),
    python: vars.QCM_PYTHON || join(root, ".venv", "bin", "python"),
    environment: vars.MODAL_ENVIRONMENT || undefined,
    credentials: tokenId && tokenSecret ? { tokenId, tokenSecret } : undefined,
    variables,
    profilePath: vars.MODAL_CONFIG_PATH || join(vars.HOME || homedir(), ".modal.toml"),
  };
}
