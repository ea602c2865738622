/**
 * Modal web endpoint URLs: predicting them before deploy, and finding them in `modal deploy`
 * output after.
 *
 * Shape (modal.com/docs/guide/webhook-urls): `https://<workspace>[-<environment>]--<label>.modal.run`,
 * where label is the `label=` of the decorator or `<app name>-<function name>`; Modal shortens
 * labels longer than 63 characters with a hash, so only the deploy output is authoritative.
 * @module
 */

/** Placeholder used when the workspace is not configured. */
export const WORKSPACE_PLACEHOLDER = "<workspace>";

/**
 * Predicts a web endpoint's URL.
 * @param workspace - Modal workspace (lowercase); a placeholder when unknown.
 * @param environment - Modal environment; omitted from the URL when unset or `main`.
 */
export function predictEndpointUrl(args: {
  workspace?: string;
  environment?: string;
  appName: string;
  functionName: string;
  label?: string;
}): string {
  const host = args.workspace ?? WORKSPACE_PLACEHOLDER;
  const env = args.environment && args.environment !== "main" ? `-${args.environment}` : "";
  const label = args.label ?? `${args.appName}-${args.functionName}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return `https://${host}${env}--${label}.modal.run`;
}

/** Modal web endpoint URL as it appears in CLI output. */
export const MODAL_RUN_URL = /https:\/\/[a-z0-9-]+(?:--[a-z0-9-]+)\.modal\.run/g;
