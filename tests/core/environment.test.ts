import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveEnvironment } from "../../infra/core/environment";
import { UserError } from "../../infra/core/errors";
import { projectRoot } from "../../infra/core/paths";

describe("resolveEnvironment", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-env-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("merges the env file under the process environment and derives every setting from the merge", async () => {
    const envFile = join(dir, "a.env");
    await writeFile(
      envFile,
      [
        "MODAL_TOKEN_ID=ak-file1",
        "MODAL_TOKEN_SECRET=as-file1",
        "MODAL_ENVIRONMENT=staging",
        "QCM_MODAL_CLI=/opt/modal-from-file",
        "QCM_ENDPOINT_CONFIG=/cfg/from-file.json",
        "ONLY_IN_FILE=1",
      ].join("\n"),
    );
    const processEnv = { QCM_ENV_FILE: envFile, MODAL_TOKEN_ID: "ak-proc1", HOME: dir, PATH: "/bin" };
    const env = resolveEnvironment({ processEnv, root: "/proj" });
    expect(env.envFile).toBe(envFile);
    expect(env.vars.ONLY_IN_FILE).toBe("1");
    expect(env.vars.MODAL_TOKEN_ID).toBe("ak-proc1"); // the process wins
    expect(env.modal).toEqual({
      cli: "/opt/modal-from-file",
      cliExplicit: true,
      python: "/proj/.venv/bin/python",
      environment: "staging",
      credentials: { tokenId: "ak-proc1", tokenSecret: "as-file1" },
      variables: { MODAL_TOKEN_ID: "ak-proc1", MODAL_TOKEN_SECRET: "as-file1", MODAL_ENVIRONMENT: "staging" },
      profilePath: join(dir, ".modal.toml"),
    });
    expect(env.endpointConfigPath).toBe("/cfg/from-file.json");
    expect(Object.isFrozen(env.vars)).toBe(true);
    expect(processEnv).not.toHaveProperty("ONLY_IN_FILE"); // the process environment is not changed
  });

  it("takes the given env file over $QCM_ENV_FILE, and the project's defaults when nothing is set", () => {
    const env = resolveEnvironment({ processEnv: { QCM_ENV_FILE: "/nowhere/x.env", HOME: dir }, envFile: join(dir, "missing.env"), root: "/proj" });
    expect(env.envFile).toBe(join(dir, "missing.env"));
    expect(env.modal.cli).toBe("/proj/.venv/bin/modal");
    expect(env.modal.cliExplicit).toBe(false);
    expect(env.modal.environment).toBeUndefined();
    expect(env.modal.credentials).toBeUndefined();
    expect(env.endpointConfigPath).toBe(join(dir, ".config", "qwen-code-modal", "endpoints.json"));
    expect(resolveEnvironment({ processEnv: { HOME: dir } }).envFile).toBe(join(projectRoot(), ".env"));
  });

  it("reports a half-set token pair as no credentials, QCM_PYTHON and MODAL_CONFIG_PATH as given", () => {
    const env = resolveEnvironment({
      processEnv: { MODAL_TOKEN_ID: "ak-only1", QCM_PYTHON: "/py/bin/python3", MODAL_CONFIG_PATH: "/etc/modal.toml", MODAL_ENVIRONMENT: "" },
      envFile: join(dir, "none.env"),
      root: "/proj",
    });
    expect(env.modal.credentials).toBeUndefined();
    expect(env.modal.python).toBe("/py/bin/python3");
    expect(env.modal.profilePath).toBe("/etc/modal.toml");
    expect(env.modal.environment).toBeUndefined();
  });

  it("throws a UserError naming an env file that exists but cannot be read", async () => {
    const folder = join(dir, "a-folder.env");
    await mkdir(folder);
    expect(() => resolveEnvironment({ processEnv: {}, envFile: folder, root: "/proj" })).toThrow(UserError);
    expect(() => resolveEnvironment({ processEnv: {}, envFile: folder, root: "/proj" })).toThrow(`env file ${folder} cannot be read (EISDIR)`);
  });
});
