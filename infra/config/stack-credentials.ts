/**
 * The Modal API token a Pulumi stack deploys with (`qwen-code-modal:modalTokenId` /
 * `modalTokenSecret`, secrets in `Pulumi.<stack>.yaml`), for the CLI commands that talk to Modal:
 * with it they act on the workspace the stack deployed to, as `pulumi up` does (same precedence:
 * the stack config wins over MODAL_TOKEN_* and `~/.modal.toml`; infra/config/credentials.ts).
 *
 * The secrets are encrypted in the file, so the real `pulumi` CLI decrypts them:
 * `pulumi config --show-secrets --open=false --json --stack S --config-file F`, run in the project root. Its
 * output is an object keyed by the namespaced key, each `{ "value": "...", "secret": true }`
 * (`value` elided without `--show-secrets`; `objectValue` added for structured values): pulumi
 * `pkg/cmd/pulumi/config/config.go` (commit 1b5949891b) lines 1111-1117 (`configValueJSON`) and
 * 1210-1235 (`listConfig`'s `if jsonOut` branch, the elision at 1232); checked with pulumi 3.274.1.
 *
 * Pulumi runs only when the stack's config file declares one of the keys (read as YAML), so a
 * user without them pays nothing.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { load as loadYaml } from "js-yaml";
import { z } from "zod";
import { childVariables } from "../core/child-env";
import { UserError } from "../core/errors";
import { findOnPath } from "../core/executables";
import { withModalCredentials, type Environment, type ModalCredentials, type Variables } from "../core/environment";
import { outputRedactor } from "../core/redaction";
import { CREDENTIAL_CONFIG_KEYS, resolveModalCredentials, type CredentialSource } from "./credentials";

/** Which stack config to read. */
export interface StackCredentialsTarget {
  /** The stack's name (`--pulumi-stack`, else the endpoint config's `stack`). */
  stack: string;
  /** The project root (the folder of Pulumi.yaml): where pulumi runs. */
  root: string;
  /** The stack's config file (`--pulumi-config-file`); default `<root>/Pulumi.<stack>.yaml`. */
  configFile?: string;
}

/** The config file a target names. */
export function stackConfigFile(target: StackCredentialsTarget): string {
  return target.configFile ?? join(target.root, `Pulumi.${target.stack}.yaml`);
}

/** `Pulumi.<stack>.yaml`: its `config:` map (namespaced key → value, `{ secure: ... }` for a secret). */
const stackFileSchema = z.object({ config: z.record(z.string(), z.unknown()).nullish() }).passthrough();

/**
 * The credential keys (`qwen-code-modal:modalTokenId` / `modalTokenSecret`) a stack config file declares.
 * @param explicit - whether the user named the file (`--pulumi-config-file`): then it must exist.
 * @returns none when the file does not exist (a stack without a config file in this checkout).
 * @throws UserError naming the file when it cannot be read or is not a stack config (YAML with a `config:` map).
 */
export function declaredCredentialKeys(file: string, explicit: boolean): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !explicit) return [];
    throw new UserError(`stack config ${file} cannot be read (${code ?? String(err)}): name the stack's Pulumi.<stack>.yaml with --pulumi-config-file`);
  }
  let parsed: z.infer<typeof stackFileSchema>;
  try {
    parsed = stackFileSchema.parse(loadYaml(text) ?? {});
  } catch (err) {
    throw new UserError(`stack config ${file} is not a Pulumi stack config (YAML with a config: map): ${(err as Error).message.split("\n")[0]}`);
  }
  return Object.values(CREDENTIAL_CONFIG_KEYS).filter((key) => parsed.config && key in parsed.config);
}

/** `pulumi config --json`'s object (see the module comment): namespaced key → entry. */
const configJsonSchema = z.record(z.string(), z.object({ value: z.string().optional(), secret: z.boolean() }).passthrough());

/**
 * Variables a `pulumi` child needs: to find programs and its home (PATH, HOME, USER, TMPDIR), TLS
 * trust and HTTP(S) proxies (a Pulumi Cloud backend), and every PULUMI_* variable (backend URL,
 * access token, PULUMI_HOME, the passphrase or its file). Nothing else: no token of any kind.
 */
const PULUMI_CHILD_PASSTHROUGH = ["PATH", "HOME", "USER", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];

/** The environment of a `pulumi` child: {@link PULUMI_CHILD_PASSTHROUGH} and the PULUMI_* variables of `vars`. */
export function pulumiChildEnv(vars: Variables): Record<string, string> {
  return childVariables(vars, { names: PULUMI_CHILD_PASSTHROUGH, prefixes: ["PULUMI_"] });
}

/** How long `pulumi config` may take (it reads the backend: a local folder, or Pulumi Cloud over the network). */
const PULUMI_TIMEOUT_MS = 60_000;

/**
 * The Modal API token in a stack's config, decrypted by the real `pulumi`; the values are taught
 * to the redactor as soon as they are read (before they are checked).
 * @param vars - the resolved variables (PATH finds `pulumi`; PULUMI_* reach it).
 * @returns undefined when the stack's config file declares neither key (pulumi is then not run).
 * @throws UserError naming the stack, the key and the fix when `pulumi` is missing or fails, or a
 *   value is missing or malformed (never the value).
 */
export async function readStackModalCredentials(target: StackCredentialsTarget, vars: Variables): Promise<ModalCredentials | undefined> {
  const file = stackConfigFile(target);
  const declared = declaredCredentialKeys(file, target.configFile !== undefined);
  if (declared.length === 0) return undefined;
  const where = `stack ${target.stack} (${file}) sets ${declared.join(" and ")}`;
  const pulumi = findOnPath("pulumi", vars.PATH);
  if (!pulumi) {
    throw new UserError(`${where}, which only the pulumi CLI can decrypt, and there is no \`pulumi\` on PATH: install the Pulumi CLI (as for \`pulumi up\`) or put it on PATH`);
  }
  // --open=false: `--show-secrets` would otherwise also open the Pulumi ESC environments the stack
  // imports (config.go:143, "Defaults to true if --show-secrets is set"), which the keys read here,
  // declared in the file itself, do not come from.
  const args = ["config", "--show-secrets", "--open=false", "--json", "--stack", target.stack, "--config-file", file, "--non-interactive", "--color", "never"];
  const result = await execa(pulumi, args, {
    cwd: target.root,
    env: pulumiChildEnv(vars),
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: PULUMI_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    // pulumi 3.274.1 without the passphrase of a passphrase-encrypted stack prints (stderr, exit 1;
    // pkg/secrets/passphrase/manager.go:395, and :42 for the wrong one):
    //   error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables
    // and with a wrong one `error: incorrect passphrase`; an unknown stack: `error: no stack named 'S' found` (exit 6).
    const said = outputRedactor(String(result.stderr || result.stdout).trim().split("\n").at(-1) || (result.shortMessage ?? "no output"));
    throw new UserError(
      `${where}, but \`pulumi config --show-secrets\` failed (${said}): export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) ` +
        "and the backend (PULUMI_BACKEND_URL or `pulumi login`) as for `pulumi up`, or name the right stack with --pulumi-stack / --pulumi-config-file",
    );
  }
  let values: z.infer<typeof configJsonSchema>;
  try {
    values = configJsonSchema.parse(JSON.parse(String(result.stdout)));
  } catch {
    throw new UserError(`${where}, but \`pulumi config --show-secrets --json\` printed no config object: check \`pulumi version\` (3.x prints one)`);
  }
  const tokenId = values[CREDENTIAL_CONFIG_KEYS.tokenId]?.value;
  const tokenSecret = values[CREDENTIAL_CONFIG_KEYS.tokenSecret]?.value;
  outputRedactor.learn([tokenId, tokenSecret]);
  if (tokenId === undefined && tokenSecret === undefined) {
    throw new UserError(`${where}, but \`pulumi config --show-secrets --json\` returned no value for them: check \`pulumi config --stack ${target.stack}\``);
  }
  let resolved: CredentialSource;
  try {
    resolved = resolveModalCredentials({ config: { tokenId, tokenSecret }, env: {}, modalTomlExists: false });
  } catch (err) {
    throw new UserError(`stack ${target.stack} (${file}): ${(err as Error).message}`);
  }
  return resolved.kind === "explicit" ? resolved.credentials : undefined;
}

/**
 * `environment` with the stack config's Modal API token in MODAL_TOKEN_ID / MODAL_TOKEN_SECRET
 * (it wins over theirs and over `~/.modal.toml`, as in `pulumi up`), so that every `modal` child
 * gets it in its environment; `environment` itself when the stack's config declares no token.
 * @throws UserError as {@link readStackModalCredentials}.
 */
export async function withStackModalCredentials(environment: Environment, target: StackCredentialsTarget): Promise<Environment> {
  const credentials = await readStackModalCredentials(target, environment.vars);
  return credentials ? withModalCredentials(environment, credentials) : environment;
}
