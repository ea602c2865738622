/**
 * Picking deployments of the endpoint config by name or role, for the commands that act on one
 * (`logs`, `warm`, `cool`) or on all (`history`).
 * @module
 */
import type { Endpoint, EndpointConfig } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";

/** A deployment of the endpoint config: its name and endpoint. */
export type NamedEndpoint = [name: string, endpoint: Endpoint];

/**
 * The deployment named `deployment` (a name, or a role), or the only one when not named.
 * @param command - the command, for the error message.
 * @throws UserError listing the deployments when the name is missing (several) or unknown.
 */
export function oneDeployment(config: EndpointConfig, command: string, deployment: string | undefined): NamedEndpoint {
  const entries = Object.entries(config.endpoints);
  if (!deployment) {
    if (entries.length === 1) return entries[0];
    throw new UserError(`${command}: name a deployment: ${entries.map(([n]) => n).join(" or ")}`);
  }
  const found = entries.find(([n]) => n === deployment) ?? entries.find(([, e]) => e.role === deployment);
  if (!found) throw new UserError(`${command}: no deployment "${deployment}" in the endpoint config (it has: ${entries.map(([n]) => n).join(", ") || "none"})`);
  return found;
}

/** Every deployment, or the one named. @throws UserError as {@link oneDeployment}. */
export function someDeployments(config: EndpointConfig, command: string, deployment: string | undefined): NamedEndpoint[] {
  return deployment ? [oneDeployment(config, command, deployment)] : Object.entries(config.endpoints);
}
