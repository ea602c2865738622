/**
 * A stack of this project under the real Pulumi engine, for the end-to-end suite: the `pulumi` CLI
 * (with its Node.js language host and dynamic provider launcher) runs the project as a user runs
 * it, from the project root, against a local file backend in a temp folder, with the recorded
 * modal CLI stand-in as the modal CLI (QCM_MODAL_CLI). Each stack has its own folder: backend
 * state, PULUMI_HOME, HOME (no ~/.modal.toml), stack config file (`--config-file`), .env,
 * endpoint config and stand-in state, so nothing is written into the checkout.
 *
 * Which `pulumi`: `$QCM_PULUMI`, else `pulumi` on PATH (CI puts the copy from
 * `../shared/tools/pulumi` there). None: the suite is skipped with a printed reason, except under
 * `CI=true`, where that is a failure.
 * @module
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { execa, type Result } from "execa";
import { findOnPath } from "../../infra/core/executables";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import type { StandInState } from "../support/modal-stand-in";
import { ROOT } from "../support/cli";

/** The `pulumi` to run, or why there is none. */
export function findPulumi(env: NodeJS.ProcessEnv = process.env): { pulumi: string } | { missing: string } {
  if (env.QCM_PULUMI) return existsSync(env.QCM_PULUMI) ? { pulumi: env.QCM_PULUMI } : { missing: `QCM_PULUMI=${env.QCM_PULUMI} does not exist` };
  const onPath = findOnPath("pulumi", env.PATH);
  return onPath ? { pulumi: onPath } : { missing: "no `pulumi` on PATH (CI installs ../shared/tools/pulumi; or set QCM_PULUMI)" };
}

/**
 * The variables every `pulumi` command of a stack in `dir` gets: `pulumi` and this Node first on
 * PATH, HOME (default `dir/home`) and PULUMI_HOME under it, the file backend in `dir/state`, a
 * passphrase (as a passphrase-backend user exports it), no update check.
 */
export function pulumiVariables(pulumi: string, dir: string, home: string = join(dir, "home")): Record<string, string> {
  return {
    PATH: [dirname(pulumi), dirname(process.execPath), ...(process.env.PATH ?? "").split(delimiter)].join(delimiter),
    HOME: home,
    PULUMI_HOME: join(home, ".pulumi"),
    PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
}

/** The stack name every engine stack uses (each lives in its own backend). */
export const STACK = "dev";

/** A stack under the real engine. */
export interface EngineStack {
  dir: string;
  /** The exported endpoint config the stack writes. */
  endpointConfigPath: string;
  /** The project's .env for this stack (QCM_ENV_FILE). */
  envFile: string;
  modal: ModalCliStandIn;
  /** Variables every command gets (change them to rotate a token, point at another modal...). */
  env: Record<string, string>;
  /**
   * `pulumi <args> --stack dev [--config-file <dir>/Pulumi.dev.yaml]` from the project root (the
   * config file for the commands that run the program or set config); never rejects.
   */
  pulumi(args: string[], extraEnv?: Record<string, string>): Promise<Result>;
  /** `pulumi config set` (with `--secret` when asked). */
  configSet(key: string, value: string, secret?: boolean): Promise<void>;
  /** The stand-in's state: apps and every call. */
  modalState(): Promise<StandInState>;
  /** Every file of the backend folder (state, history, backups), as text. */
  backendFiles(): Promise<{ path: string; text: string }[]>;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Creates stack `stack` of this project in the backend `env` names, without writing into the
 * checkout: `pulumi stack init` writes the passphrase salt into `Pulumi.<stack>.yaml` beside
 * Pulumi.yaml, so it runs in a scratch copy of Pulumi.yaml (`dir/init`) and the file is moved to
 * `dir`; every later command names it with `--config-file`.
 * @param env - the whole environment of `pulumi` (see {@link pulumiVariables}).
 * @returns the stack config file (`dir/Pulumi.<stack>.yaml`).
 * @throws Error with pulumi's output when the init fails.
 */
export async function initStack(pulumi: string, dir: string, stack: string, env: Record<string, string>): Promise<string> {
  await mkdir(join(dir, "init"), { recursive: true });
  await copyFile(join(ROOT, "Pulumi.yaml"), join(dir, "init", "Pulumi.yaml"));
  const init = await execa(pulumi, ["stack", "init", stack, "--non-interactive"], { cwd: join(dir, "init"), env, extendEnv: false, reject: false, all: true });
  if (init.exitCode !== 0) throw new Error(`pulumi stack init failed:\n${init.all}`);
  const configFile = join(dir, `Pulumi.${stack}.yaml`);
  await rename(join(dir, "init", `Pulumi.${stack}.yaml`), configFile);
  return configFile;
}

/**
 * Creates a stack in a fresh folder ({@link initStack}).
 * @param env - extra variables for every command (credentials, usually).
 * @param options - `gate: true` leaves the deploy gate at its default (on); otherwise the stack
 *   sets `qwen-code-modal:gate false`, since its deployed URLs are the modal CLI stand-in's
 *   `*.modal.run` names, which nothing answers here.
 */
export async function createEngineStack(pulumi: string, env: Record<string, string>, options: { gate?: boolean } = {}): Promise<EngineStack> {
  const dir = await mkdtemp(join(tmpdir(), "qcm-engine-"));
  for (const sub of ["state", "home", "modal"]) await mkdir(join(dir, sub));
  const envFile = join(dir, ".env");
  await writeFile(envFile, "");
  const modal = await writeModalCliStandIn(join(dir, "modal"), []);
  const configFile = join(dir, `Pulumi.${STACK}.yaml`);
  const base: Record<string, string> = {
    ...pulumiVariables(pulumi, dir),
    QCM_MODAL_CLI: modal.path,
    QCM_ENV_FILE: envFile,
    ...env,
  };
  const stack: EngineStack = {
    dir,
    endpointConfigPath: join(dir, "endpoints", "endpoints.json"),
    envFile,
    modal,
    env: base,
    pulumi: (args, extraEnv = {}) =>
      execa(pulumi, [...args, "--stack", STACK, ...(args[0] === "stack" ? [] : ["--config-file", configFile]), "--non-interactive", "--color", "never"], {
        cwd: ROOT,
        env: { ...stack.env, ...extraEnv },
        extendEnv: false,
        reject: false,
        all: true,
        // Ended here rather than left holding the stack's lock when a test gives up on it.
        timeout: 300_000,
      }),
    async configSet(key, value, secret = false) {
      const r = await stack.pulumi(["config", "set", ...(secret ? ["--secret"] : []), `qwen-code-modal:${key}`, value]);
      if (r.exitCode !== 0) throw new Error(`pulumi config set ${key} failed:\n${r.all}`);
    },
    modalState: async () => JSON.parse(await readFile(join(dir, "modal", "modal-stand-in-state.json"), "utf8")),
    backendFiles: async () =>
      Promise.all((await filesUnder(join(dir, "state"))).map(async (path) => ({ path, text: await readFile(path, "utf8") }))),
  };
  await initStack(pulumi, dir, STACK, base);
  await stack.configSet("endpointConfigPath", stack.endpointConfigPath);
  if (!options.gate) await stack.configSet("gate", "false");
  return stack;
}

/**
 * The dynamic resources' steps in `pulumi preview --json` (ModalApps by deployment name, the
 * endpoint config resources by theirs): `op` per step, e.g. `create`, `update`, `same`, `replace`.
 */
export function previewSteps(stdout: string): Record<string, string[]> {
  const parsed = JSON.parse(stdout) as { steps?: { op: string; urn: string }[] };
  const steps: Record<string, string[]> = {};
  for (const s of parsed.steps ?? []) {
    // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
    const [types, name] = s.urn.split("::").slice(-2);
    if (types.split("$").at(-1) !== "pulumi-nodejs:dynamic:Resource") continue;
    (steps[name] ??= []).push(s.op);
  }
  return steps;
}
