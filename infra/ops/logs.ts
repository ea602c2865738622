/**
 * `logs`: the `modal app logs` command line for a deployment's app.
 * @module
 */
import type { EndpointConfig } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";

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
  const names = Object.keys(config.endpoints);
  if (!deployment) {
    if (names.length === 1) return config.endpoints[names[0]].app;
    throw new UserError(`logs: name a deployment: ${names.join(" or ")}`);
  }
  const endpoint = config.endpoints[deployment] ?? Object.values(config.endpoints).find((e) => e.role === deployment);
  if (!endpoint) throw new UserError(`logs: no deployment "${deployment}" in the endpoint config (it has: ${names.join(", ") || "none"})`);
  return endpoint.app;
}

/** `modal` arguments: `app logs <app> [--follow] [--tail N]`. */
export function modalLogsArgs(app: string, request: LogsRequest): string[] {
  return ["app", "logs", app, ...(request.follow ? ["--follow"] : []), ...(request.tail ? ["--tail", String(request.tail)] : [])];
}
