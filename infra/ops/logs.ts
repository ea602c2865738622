/**
 * `logs`: the `modal app logs` command line for a deployment's app.
 * @module
 */
import type { EndpointConfig } from "@qwen-code-modal/contract";
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

/** `modal` arguments: `app logs <app> [--follow] [--tail N]`. */
export function modalLogsArgs(app: string, request: LogsRequest): string[] {
  return ["app", "logs", app, ...(request.follow ? ["--follow"] : []), ...(request.tail ? ["--tail", String(request.tail)] : [])];
}
