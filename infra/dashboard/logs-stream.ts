/**
 * A deployment's Modal logs for the page: `modal app logs <app> --follow` through the provider's
 * modal CLI module, run while the page listens and stopped when it leaves. Reading logs goes to
 * Modal's API, not to the endpoint, so it never wakes the app. Lines are redacted twice: by the
 * modal CLI module (the child's credentials, token shapes) and here (the proxy credentials).
 * @module
 */
import type { Environment } from "../core/environment";
import { opsModalContext } from "../ops/modal-apps";
import { modalAppLogsFollow } from "../provider/modal-cli";
import { redact } from "@qwen-code-modal/contract";

/**
 * Follows an app's logs until `signal` aborts or modal ends.
 * @param modal - the modal CLI (ops/modal-apps `resolveModalCli`).
 * @param secrets - further values removed from every line.
 * @returns modal's exit code, or undefined when stopped.
 * @throws Error (ModalCliError) when modal cannot start.
 */
export function followLogs(
  modal: string,
  app: string,
  environment: Environment,
  secrets: readonly string[],
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<number | undefined> {
  return modalAppLogsFollow({ ...opsModalContext(modal, environment), signal, onLine: (line) => onLine(redact(line, secrets)) }, app);
}
