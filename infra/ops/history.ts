/**
 * `history`: the deployments Modal recorded for each app (`modal app history --json`), with the
 * tag each was deployed with.
 * @module
 */
import type { EndpointConfig } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";
import { isModalCliError, type ModalCliContext } from "../provider/modal-cli";
import { modalAppHistory, type AppDeployment } from "../provider/modal-history";
import { modalMessage } from "./modal-apps";
import { someDeployments } from "./select";

/** One app's history. */
export interface AppHistory {
  deployment: string;
  app: string;
  /** Newest first. */
  deployments: AppDeployment[];
}

/**
 * Asks Modal for each chosen deployment's history.
 * @throws UserError naming the app and modal's message (unknown app, no credentials, ...).
 */
export async function appHistories(ctx: ModalCliContext, config: EndpointConfig, deployment?: string): Promise<AppHistory[]> {
  const chosen = someDeployments(config, "history", deployment);
  return Promise.all(
    chosen.map(async ([name, e]) => {
      try {
        return { deployment: name, app: e.app, deployments: await modalAppHistory(ctx, e.app) };
      } catch (err) {
        if (isModalCliError(err)) throw new UserError(`history: ${name} (app ${e.app}): ${modalMessage(err)}`);
        throw err;
      }
    }),
  );
}

/** The histories as text: one block per app, newest first. */
export function formatHistories(histories: readonly AppHistory[]): string {
  return histories
    .map((h) => {
      const rows = h.deployments.map((d) => [`v${d.version}`, d.deployedAt ?? "-", d.tag ?? "-", d.deployedBy, d.client, d.commit ?? "-"]);
      const header = ["version", "deployed at", "tag", "by", "client", "commit"];
      const widths = header.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
      const line = (c: string[]) => "  " + c.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
      const body = rows.length ? [line(header), ...rows.map(line)] : ["  (no deployments recorded)"];
      return [`${h.deployment} (app ${h.app})`, ...body].join("\n");
    })
    .join("\n\n");
}
