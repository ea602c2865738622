/**
 * The page's controls, each the same code path as its terminal command:
 * - **warm for N hours / cool**: the project's own `warm` and `cool` commands, run as a child of
 *   this CLI (`node <this CLI> warm NAME --for Nh ...`), so the page warms exactly as the terminal
 *   does: the autoscaler override, the warm record, and the background timer that cools at expiry;
 * - **versions / roll back**: `modal app history --json` and `modal app rollback APP vN`
 *   (provider/modal-history.ts, as `history` and the provider's verifyDeploy use them).
 * The server checks the token, Origin and Host before any of these run (./guard.ts); the page
 * asks the user to confirm each, showing its cost.
 * @module
 */
import { execa } from "execa";
import { UserError } from "../core/errors";
import type { EndpointContext } from "../endpoints/context";
import { modalAppHistory, modalAppRollback, type AppDeployment } from "../provider/modal-history";
import { isModalCliError } from "../provider/modal-cli";
import { modalMessage, opsModalContext, resolveModalCli } from "../ops/modal-apps";
import { MAX_WARM_SECONDS } from "../ops/warm";

/** What a control answers: what the command printed (redacted by the caller) and whether it worked. */
export interface ControlOutcome {
  ok: boolean;
  output: string;
}

/** Variables the project's CLI needs to run `warm`/`cool` (its env file brings the rest): no credential of this process. */
function cliVariables(vars: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined && /^(PATH|HOME|LANG|LC_\w+|TZ|XDG_\w+|QCM_\w+|MODAL_(CONFIG_PATH|ENVIRONMENT|PROFILE|SERVER_URL))$/.test(e[0])),
  );
}

/** The controls of one dashboard. */
export class Controls {
  /**
   * @param cli - the project's CLI entry (this process's script), run for `warm`/`cool`.
   * @param stackConfig - the `--stack-config` the dashboard was given, passed on (for `warm`'s cost line).
   */
  constructor(
    private readonly context: EndpointContext,
    private readonly cli: string,
    private readonly stackConfig: string | undefined,
  ) {}

  private modal() {
    return opsModalContext(resolveModalCli(this.context.environment), this.context.environment);
  }

  private async runCli(args: string[]): Promise<ControlOutcome> {
    const run = await execa(process.execPath, [this.cli, ...args, "--config", this.context.configPath, "--dotenv", this.context.envFile, ...(this.stackConfig ? ["--stack-config", this.stackConfig] : [])], {
      env: cliVariables(this.context.environment.vars),
      extendEnv: false,
      reject: false,
      all: true,
      timeout: 120_000,
    });
    return { ok: run.exitCode === 0, output: run.all ?? "" };
  }

  /**
   * Keeps `containers` containers up for `hours`, then a timer cools them (the `warm` command).
   * @throws UserError when the duration is out of range (0 < hours ≤ 24).
   */
  warm(name: string, hours: number, containers: number): Promise<ControlOutcome> {
    if (!(hours > 0 && hours * 3600 <= MAX_WARM_SECONDS)) throw new UserError(`hours: got ${hours}; use more than 0 and at most ${MAX_WARM_SECONDS / 3600}`);
    return this.runCli(["warm", name, "--for", `${Math.round(hours * 3600)}s`, "--containers", String(containers)]);
  }

  /** Lets the deployment scale to zero again (the `cool` command). */
  cool(name: string): Promise<ControlOutcome> {
    return this.runCli(["cool", name]);
  }

  /**
   * The app's recorded versions, newest first.
   * @throws UserError with modal's message.
   */
  async versions(app: string): Promise<AppDeployment[]> {
    try {
      return await modalAppHistory(this.modal(), app);
    } catch (err) {
      if (isModalCliError(err)) throw new UserError(`history of ${app}: ${modalMessage(err)}`);
      throw err;
    }
  }

  /** Redeploys a listed version (rolling: the running containers are replaced as the new ones start). */
  async rollback(app: string, version: number): Promise<ControlOutcome> {
    try {
      await modalAppRollback(this.modal(), { appName: app, version, strategy: "rolling", timeoutSeconds: 600 });
      return { ok: true, output: `rolled ${app} back to v${version} (a new deployment in its history)` };
    } catch (err) {
      if (isModalCliError(err)) return { ok: false, output: `rollback of ${app} to v${version}: ${modalMessage(err)}` };
      throw err;
    }
  }
}
