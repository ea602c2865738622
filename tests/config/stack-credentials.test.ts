/**
 * The CLI's Modal token from the Pulumi stack config (infra/config/stack-credentials.ts), with the
 * real pulumi CLI on a file backend in a temp folder: read only when the stack config file declares
 * a key (else pulumi is not even looked for), decrypted by `pulumi config --show-secrets --json`,
 * checked, taught to the redactor, and winning over the environment's token; one clear error when
 * pulumi is missing or fails. Without a pulumi the pulumi-backed cases are skipped with a printed
 * reason (under CI=true: a failure).
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { pulumiChildEnv, readStackModalCredentials, withStackModalCredentials, type StackCredentialsTarget } from "../../infra/config/stack-credentials";
import { resolveEnvironment } from "../../infra/core/environment";
import { UserError } from "../../infra/core/errors";
import { outputRedactor } from "../../infra/core/redaction";
import { pulumiStackArgs, pulumiStackTarget } from "../../infra/cli/pulumi-stack";
import { findPulumi, initStack, pulumiVariables } from "../engine/engine-stack";
import { ROOT } from "../support/cli";

const found = findPulumi();
if ("missing" in found) {
  if (process.env.CI === "true") throw new Error(`the stack-credentials tests cannot run under CI: ${found.missing}`);
  console.warn(`SKIPPED the real-pulumi cases of tests/config/stack-credentials.test.ts: ${found.missing}`);
}
const pulumi = "pulumi" in found ? found.pulumi : "";

const STACK = "creds";
// Shorter than a token shape (contract/src/redact.ts TOKEN_SHAPES): only a learned value is redacted.
const TOKEN = { id: "ak-cfgId1", secret: "as-cfgSec1" };

/** A stack config file with the given text, in a fresh folder. */
async function stackFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), "qcm-stackcfg-")), `Pulumi.${STACK}.yaml`);
  await writeFile(file, text);
  return file;
}

/** `pulumi config set --secret qwen-code-modal:<key>` with the value on stdin (never argv). */
async function setSecret(env: Record<string, string>, configFile: string, key: string, value: string): Promise<void> {
  const r = await execa(pulumi, ["config", "set", "--secret", `qwen-code-modal:${key}`, "--stack", STACK, "--config-file", configFile, "--non-interactive"], {
    cwd: ROOT, env, extendEnv: false, reject: false, all: true, input: value,
  });
  if (r.exitCode !== 0) throw new Error(`pulumi config set ${key} failed:\n${r.all}`);
}

/** Runs `fn` and returns the UserError it throws. */
async function userError(fn: () => Promise<unknown>): Promise<UserError> {
  const err = await fn().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe("without the keys in the stack config, pulumi is not run", () => {
  // No PATH at all: had the lookup needed pulumi, it would have failed with "no `pulumi` on PATH".
  const vars = { PATH: "", HOME: tmpdir() };

  it("a stack config that sets other keys only", async () => {
    const configFile = await stackFile("encryptionsalt: v1:abc\nconfig:\n  qwen-code-modal:gate: \"false\"\n  aws:region: eu-west-1\n");
    expect(await readStackModalCredentials({ stack: STACK, root: ROOT, configFile }, vars)).toBeUndefined();
  });

  it("a stack without a config file (the default <root>/Pulumi.<stack>.yaml is absent), or one without a config: map", async () => {
    expect(await readStackModalCredentials({ stack: "no-such-stack-here", root: ROOT }, vars)).toBeUndefined();
    expect(await readStackModalCredentials({ stack: STACK, root: ROOT, configFile: await stackFile("encryptionsalt: v1:abc\n") }, vars)).toBeUndefined();
  });

  it("a key in a comment or another namespace does not count (the file is read as YAML)", async () => {
    const configFile = await stackFile("# qwen-code-modal:modalTokenId: set it later\nconfig:\n  other:modalTokenId: x\n");
    expect(await readStackModalCredentials({ stack: STACK, root: ROOT, configFile }, vars)).toBeUndefined();
  });

  it("but a --pulumi-config-file that does not exist, or is not YAML, is an error naming it", async () => {
    const missing = join(tmpdir(), "qcm-no-such-dir", "Pulumi.x.yaml");
    expect((await userError(() => readStackModalCredentials({ stack: STACK, root: ROOT, configFile: missing }, vars))).message).toContain(`stack config ${missing} cannot be read (ENOENT)`);
    const bad = await stackFile("config: [unclosed\n");
    expect((await userError(() => readStackModalCredentials({ stack: STACK, root: ROOT, configFile: bad }, vars))).message).toContain(`stack config ${bad} is not a Pulumi stack config`);
  });
});

describe("the keys declared, no pulumi on PATH", () => {
  it("one error naming the stack, the keys and the fix; no value", async () => {
    const configFile = await stackFile("config:\n  qwen-code-modal:modalTokenId:\n    secure: v1:AAAA:BBBB\n");
    const err = await userError(() => readStackModalCredentials({ stack: STACK, root: ROOT, configFile }, { PATH: "", HOME: tmpdir() }));
    expect(err.message).toBe(
      `stack ${STACK} (${configFile}) sets qwen-code-modal:modalTokenId, which only the pulumi CLI can decrypt, and there is no \`pulumi\` on PATH: ` +
        "install the Pulumi CLI (as for `pulumi up`) or put it on PATH",
    );
  });
});

describe("the pulumi child's environment", () => {
  it("is PATH, HOME, TLS/proxy settings and PULUMI_* only: no token of any kind", () => {
    const vars = {
      PATH: "/bin", HOME: "/h", HTTPS_PROXY: "http://proxy:3128", PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_BACKEND_URL: "file:///s",
      MODAL_TOKEN_ID: "ak-x1", MODAL_TOKEN_SECRET: "as-x1", MODAL_PROXY_TOKEN_SECRET: "ws-x1", HF_TOKEN: "hf_x1", AWS_SECRET_ACCESS_KEY: "k", UNSET: undefined,
    };
    expect(pulumiChildEnv(vars)).toEqual({ PATH: "/bin", HOME: "/h", HTTPS_PROXY: "http://proxy:3128", PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_BACKEND_URL: "file:///s" });
  });
});

describe("which stack: the options, else the endpoint config's", () => {
  it("--pulumi-stack wins over the deployed stack; none at all: nothing to read; a config file without a stack name: an error", () => {
    expect(pulumiStackTarget({ "pulumi-stack": "prod" }, ROOT, "dev")).toEqual({ stack: "prod", root: ROOT, configFile: undefined });
    expect(pulumiStackTarget({ "pulumi-config-file": "/x/P.yaml" }, ROOT, "dev")).toEqual({ stack: "dev", root: ROOT, configFile: "/x/P.yaml" });
    expect(pulumiStackTarget({}, ROOT, undefined)).toBeUndefined();
    expect(pulumiStackTarget({ "pulumi-config-file": "stacks/P.yaml" }, ROOT, "dev")?.configFile).toBe(join(process.cwd(), "stacks", "P.yaml"));
    expect(() => pulumiStackTarget({ "pulumi-config-file": "/x/P.yaml" }, ROOT, undefined)).toThrow("--pulumi-config-file needs the stack's name: pass --pulumi-stack NAME");
  });

  it("warm hands its timer the options as given", () => {
    expect(pulumiStackArgs({ "pulumi-config-file": "/x/P.yaml" })).toEqual(["--pulumi-config-file", "/x/P.yaml"]);
    expect(pulumiStackArgs({ "pulumi-stack": "s", "pulumi-config-file": "/x/P.yaml" })).toEqual(["--pulumi-stack", "s", "--pulumi-config-file", "/x/P.yaml"]);
    expect(pulumiStackArgs({})).toEqual([]);
  });
});

describe.skipIf(!pulumi)("the keys set with `pulumi config set --secret` (real pulumi, file backend)", () => {
  let env: Record<string, string>;
  let target: StackCredentialsTarget;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-stackcfg-"));
    await mkdir(join(dir, "state"));
    env = pulumiVariables(pulumi, dir);
    target = { stack: STACK, root: ROOT, configFile: await initStack(pulumi, dir, STACK, env) };
    await setSecret(env, target.configFile!, "modalTokenId", TOKEN.id);
    await setSecret(env, target.configFile!, "modalTokenSecret", TOKEN.secret);
  }, 120_000);

  it("decrypts them, and teaches the redactor the values", async () => {
    expect(await readStackModalCredentials(target, env)).toEqual({ tokenId: TOKEN.id, tokenSecret: TOKEN.secret });
    expect(outputRedactor(`id ${TOKEN.id} secret ${TOKEN.secret}`)).toBe("id [redacted] secret [redacted]");
  }, 60_000);

  it("wins over the environment's MODAL_TOKEN_* (the deploy's precedence): the modal child's variables carry the stack's token", async () => {
    const environment = resolveEnvironment({ processEnv: { ...env, MODAL_TOKEN_ID: "ak-envToken01", MODAL_TOKEN_SECRET: "as-envToken01" }, root: ROOT, envFile: join(tmpdir(), "qcm-no-such.env") });
    const withStack = await withStackModalCredentials(environment, target);
    expect(withStack.modal.credentials).toEqual({ tokenId: TOKEN.id, tokenSecret: TOKEN.secret });
    expect(withStack.modal.variables).toMatchObject({ MODAL_TOKEN_ID: TOKEN.id, MODAL_TOKEN_SECRET: TOKEN.secret });
    expect(withStack.vars.MODAL_TOKEN_ID).toBe(TOKEN.id);
    // The resolved environment itself is left as it was.
    expect(environment.modal.credentials?.tokenId).toBe("ak-envToken01");
  }, 60_000);

  it("pulumi failing (no PULUMI_CONFIG_PASSPHRASE, as in a new shell): one error with pulumi's own message and the fix", async () => {
    const { PULUMI_CONFIG_PASSPHRASE: _passphrase, ...withoutPassphrase } = env;
    const err = await userError(() => readStackModalCredentials(target, withoutPassphrase));
    expect(err.message).toContain(`stack ${STACK} (${target.configFile}) sets qwen-code-modal:modalTokenId and qwen-code-modal:modalTokenSecret`);
    expect(err.message).toContain("(error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables)");
    expect(err.message).toContain("export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)");
    expect(err.message).not.toContain("\n");
    const wrong = await userError(() => readStackModalCredentials(target, { ...env, PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" }));
    expect(wrong.message).toContain("(error: incorrect passphrase)");
  }, 60_000);

  it("a stack the backend does not have: pulumi's message and the options to name the right one", async () => {
    const err = await userError(() => readStackModalCredentials({ ...target, stack: "not-a-stack" }, env));
    expect(err.message).toContain("(error: no stack named 'not-a-stack' found)");
    expect(err.message).toContain("name the right stack with --pulumi-stack / --pulumi-config-file");
  }, 60_000);

  it("a malformed value: an error naming the key, never the value", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-stackcfg-"));
    await mkdir(join(dir, "state"));
    const badEnv = pulumiVariables(pulumi, dir);
    const configFile = await initStack(pulumi, dir, STACK, badEnv);
    await setSecret(badEnv, configFile, "modalTokenId", TOKEN.id);
    await setSecret(badEnv, configFile, "modalTokenSecret", "pasted-the-wrong-thing");
    const err = await userError(() => readStackModalCredentials({ stack: STACK, root: ROOT, configFile }, badEnv));
    expect(err.message).toBe(
      `stack ${STACK} (${configFile}): qwen-code-modal:modalTokenSecret does not look like a Modal token secret (expected as-...): copy it again from the Modal dashboard`,
    );
    expect(outputRedactor("pasted-the-wrong-thing")).toBe("[redacted]");
  }, 120_000);
});
