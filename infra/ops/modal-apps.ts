/**
 * The Modal side of `status` and `logs`: which `modal` CLI to run, and how many containers each
 * deployed app has (`modal app list --json`: rows of `app_id`, `description` (the app name),
 * `state`, `tasks` (running containers, as text), `created_at`, `stopped_at`; modal 1.x
 * `modal/cli/app.py`). Asking Modal does not wake an app; an HTTP request to it would.
 * @module
 */
import { existsSync } from "node:fs";
import { execa } from "execa";
import { z } from "zod";
import { UserError } from "../cli/command";
import { findOnPath } from "../clients/executables";
import { modalCli } from "../paths";

/**
 * The project's `modal` (`$QCM_MODAL_CLI`, else `.venv/bin/modal`), else `modal` on PATH.
 * An explicit `$QCM_MODAL_CLI` that does not exist is an error, never a reason to run another modal.
 * @throws UserError when no modal CLI is found.
 */
export function resolveModalCli(env: NodeJS.ProcessEnv): string {
  const own = modalCli();
  if (existsSync(own)) return own;
  if (env.QCM_MODAL_CLI) throw new UserError(`the modal CLI is not installed: QCM_MODAL_CLI=${env.QCM_MODAL_CLI} does not exist`);
  const onPath = findOnPath("modal", env.PATH);
  if (!onPath) throw new UserError(`the modal CLI is not installed: run scripts/dev (it makes ${own}) or pip install modal`);
  return onPath;
}

const appRowsSchema = z.array(z.object({ description: z.string(), state: z.string(), tasks: z.coerce.number() }));

/** A deployed app's running containers, by app name. */
export type AppTasks = Map<string, number>;

/**
 * Lists deployed apps and their running containers.
 * @param env - the environment for modal (MODAL_TOKEN_ID/SECRET, MODAL_ENVIRONMENT).
 * @throws Error with modal's own message when the CLI fails or prints something else.
 */
export async function deployedAppTasks(modal: string, env: NodeJS.ProcessEnv): Promise<AppTasks> {
  const result = await execa(modal, ["app", "list", "--json"], { env, extendEnv: false, reject: false, timeout: 60_000 });
  if (result.exitCode !== 0) {
    const last = (result.stderr || result.stdout || result.shortMessage || "").trim().split("\n").at(-1);
    throw new Error(`modal app list failed: ${last}`);
  }
  let rows;
  try {
    rows = appRowsSchema.parse(JSON.parse(result.stdout));
  } catch (err) {
    throw new Error(`modal app list --json printed something unexpected (${(err as Error).message.slice(0, 120)})`);
  }
  return new Map(rows.filter((r) => r.state === "deployed").map((r) => [r.description, r.tasks]));
}
