/**
 * The Modal side of `status` and `logs`: which `modal` CLI to run, and how many containers each
 * deployed app has (`modal app list --json`: rows of `app_id`, `description` (the app name),
 * `state`, `tasks` (running containers, as text), `created_at`, `stopped_at`; modal 1.x
 * `modal/cli/app.py`). Asking Modal does not wake an app; an HTTP request to it would.
 * @module
 */
import { existsSync } from "node:fs";
import { UserError } from "../core/errors";
import { findOnPath } from "../core/executables";
import type { Environment } from "../core/environment";
import { isModalCliError, modalAppList, modalChildEnv, type AppListRow, type ModalCliContext, type ModalCliError } from "../provider/modal-cli";

/**
 * The project's `modal` (`$QCM_MODAL_CLI`, else `.venv/bin/modal`), else `modal` on PATH.
 * An explicit `$QCM_MODAL_CLI` that does not exist is an error, never a reason to run another modal.
 * @throws UserError when no modal CLI is found.
 */
export function resolveModalCli(environment: Environment): string {
  const own = environment.modal.cli;
  if (existsSync(own)) return own;
  if (environment.modal.cliExplicit) throw new UserError(`the modal CLI is not installed: QCM_MODAL_CLI=${own} does not exist`);
  const onPath = findOnPath("modal", environment.vars.PATH);
  if (!onPath) throw new UserError(`the modal CLI is not installed: run scripts/dev (it makes ${own}) or pip install modal`);
  return onPath;
}

/**
 * How an operations command runs the modal CLI: only what modal needs (`modalChildEnv`: Modal's
 * MODAL_* variables, token and environment included, and PATH/HOME...) reaches it; modal picks
 * the environment from MODAL_ENVIRONMENT as the real CLI does.
 */
export function opsModalContext(modal: string, environment: Environment): ModalCliContext {
  return { cli: modal, env: modalChildEnv(environment.vars) };
}

/**
 * The last line of a failed modal command's output (modal prints `Error: <message>` last), for a
 * one-line error.
 */
export function modalMessage(err: ModalCliError): string {
  return err.outputTail.trim().split("\n").at(-1) ?? err.message;
}

/** A deployed app's running containers, by app name. */
export type AppTasks = Map<string, number>;

/**
 * Lists deployed apps and their running containers (the provider's `modal app list --json`).
 * @param environment - the command's environment; its MODAL_* variables (token, environment) reach modal.
 * @throws Error `modal app list failed: <modal's last line>` when the CLI fails or prints something else.
 */
export async function deployedAppTasks(modal: string, environment: Environment): Promise<AppTasks> {
  const rows = await listApps(modal, environment);
  return new Map(rows.filter((r) => r.state === "deployed").map((r) => [r.description, Number(r.tasks)]));
}

/**
 * Every app row `modal app list --json` prints (deployed and stopped), within 60 s.
 * @throws Error `modal app list failed: <modal's last line>` when the CLI fails or prints something else.
 */
export async function listApps(modal: string, environment: Environment): Promise<AppListRow[]> {
  return modalAppList(opsModalContext(modal, environment), 60).catch((err: unknown) => {
    throw isModalCliError(err) ? new Error(`modal app list failed: ${modalMessage(err)}`) : err;
  });
}
