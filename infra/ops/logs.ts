/**
 * `logs`: the `modal app logs` command line for a deployment's app.
 * @module
 */
import type { EndpointConfig } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";
import { oneDeployment } from "./select";

/** What to show. */
export interface LogsRequest {
  /** Deployment name (endpoint config key) or role; optional when there is one deployment. */
  deployment?: string;
  follow: boolean;
  /** Only the last N entries. */
  tail?: number;
}

/**
 * The Modal app of the chosen deployment.
 * @throws UserError listing the deployments when the choice is missing or unknown.
 */
export function appForLogs(config: EndpointConfig, deployment: string | undefined): string {
  // Image-edit deployments (their own section of the endpoint config) have apps and logs too.
  const imageEdit = deployment ? Object.entries(config.imageEdits ?? {}).find(([n, e]) => n === deployment || e.role === deployment) : undefined;
  if (imageEdit) return imageEdit[1].app;
  return oneDeployment(config, "logs", deployment)[1].app;
}

/**
 * `modal` arguments: `app logs <app> [--follow | --tail N]`.
 * @throws UserError for `follow` with `tail`: modal 1.6.4 fetches (`--tail`) or follows, never both
 *   (modal/cli/_logs.py:47-53 `_validate_logs_args`).
 */
export function modalLogsArgs(app: string, request: LogsRequest): string[] {
  if (request.follow && request.tail) throw new UserError("logs: --follow and --tail cannot be combined (modal app logs fetches the last N entries or follows, not both): drop one");
  return ["app", "logs", app, ...(request.follow ? ["--follow"] : []), ...(request.tail ? ["--tail", String(request.tail)] : [])];
}
