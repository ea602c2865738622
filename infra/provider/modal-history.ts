/**
 * An app's deployment history and rollback, through the modal CLI.
 *
 * Sources (modal 1.6.4):
 * - `modal app history APP --json` (modal/cli/app.py:640-725): rows newest first with keys
 *   `version` ("v3"), `time_deployed` (ISO 8601 with a space, local zone), `client`, `deployed_by`,
 *   `commit` (short hash or null) and `tag`, the last only when some deployment of the app used
 *   `modal deploy --tag` (cli/run.py:646); keys from cli/utils.py `_col_name_to_json_key`. A name
 *   also resolves to a recently stopped app (app.py:69 `resolve_app_identifier`); an unknown name
 *   fails with `No App with name '…' found in the '…' environment.`
 * - `modal app rollback APP [vN] [--strategy rolling|recreate]` (app.py:304-379): redeploys the
 *   previous version (or vN) as a new history entry; the app must be deployed, else
 *   `App '…' is not deployed in the '…' environment.`
 * @module
 */
import { z } from "zod";
import { modalFailure, modalJson, runModal, type ModalCliContext } from "./modal-cli";

/** One deployment Modal recorded for an app. */
export interface AppDeployment {
  /** Version number (Modal prints `v3`). */
  version: number;
  /** When it was deployed, as Modal prints it (ISO 8601 with a space before the time). */
  deployedAt: string | null;
  /** modal client version that deployed it. */
  client: string;
  deployedBy: string;
  /** Short git commit of the deploying repo, `*` suffixed when dirty; null outside git. */
  commit: string | null;
  /** `modal deploy --tag` value; null when none. */
  tag: string | null;
}

/**
 * `modal app history APP --json`: the app's deployments, newest first.
 * @throws ModalCliError when modal fails (unknown app: its message names the app and environment) or prints something else.
 */
export async function modalAppHistory(ctx: ModalCliContext, appName: string, timeoutSeconds = 60): Promise<AppDeployment[]> {
  const argv = ["app", "history", appName, "--json"];
  const { run, json } = await modalJson(ctx, argv, timeoutSeconds);
  const row = z.object({
    version: z.string().regex(/^v\d+$/),
    time_deployed: z.string().nullable(),
    client: z.string(),
    deployed_by: z.string(),
    commit: z.string().nullable(),
    tag: z.string().nullable().optional(),
  });
  const parsed = z.array(row).safeParse(json);
  if (!parsed.success) modalFailure(run, "stdout is not an app history");
  return parsed.data.map((r) => ({
    version: Number(r.version.slice(1)),
    deployedAt: r.time_deployed,
    client: r.client,
    deployedBy: r.deployed_by,
    commit: r.commit,
    tag: r.tag ?? null,
  }));
}

/**
 * `modal app rollback APP [vN] [--strategy recreate]`: redeploys the previous version (or `version`).
 * @param strategy - `recreate` stops the running containers first (an app limited to one container).
 * @throws ModalCliError when modal fails (app not deployed, no such version).
 */
export async function modalAppRollback(
  ctx: ModalCliContext,
  args: { appName: string; version?: number; strategy: "rolling" | "recreate"; timeoutSeconds: number },
): Promise<void> {
  const argv = ["app", "rollback", args.appName, ...(args.version ? [`v${args.version}`] : []), ...(args.strategy === "recreate" ? ["--strategy", "recreate"] : [])];
  const run = await runModal(ctx, argv, args.timeoutSeconds);
  if (run.exitCode !== 0) modalFailure(run);
  if (!run.output.includes("Deployment rollback successful")) modalFailure(run, "modal exited 0 but never confirmed the rollback");
}
