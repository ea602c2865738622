/**
 * Deploy events: what a running `pulumi up` / `pulumi destroy` is doing, appended by the ModalApp
 * provider to a local JSON-lines file so that another process (the `dashboard`) can show it as it
 * happens. One event a line:
 * ```json
 * {"at":"2026-12-01T17:02:03.123Z","app":"qcm-coder","kind":"start","op":"deploy"}
 * {"at":"...","app":"qcm-coder","kind":"line","text":"✓ Created objects."}
 * {"at":"...","app":"qcm-coder","kind":"done","op":"deploy","urls":{"serve":"https://ws--qcm-coder-serve.modal.run"}}
 * {"at":"...","app":"qcm-coder","kind":"failed","op":"deploy","text":"`modal deploy ...` failed (exit 1): ..."}
 * ```
 * Lines are the provider's already-redacted modal CLI output; nothing else is written (no
 * credentials, no shim source). Writing never fails a deploy: an unwritable file is skipped.
 * The file is rotated to `<file>.1` past {@link MAX_EVENTS_BYTES}. Where it is: infra/core/environment
 * `deployEventsPath` (`$QCM_DEPLOY_EVENTS`, else under `$XDG_STATE_HOME` or `~/.local/state`).

 * @module
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** Size at which the file is rotated, bytes (1 MiB). */
export const MAX_EVENTS_BYTES = 1024 * 1024;

/** What the provider is doing to an app. */
export type DeployOp = "deploy" | "stop";

/** One event. `at` is an ISO 8601 time. */
export type DeployEvent =
  | { at: string; app: string; kind: "start"; op: DeployOp }
  | { at: string; app: string; kind: "line"; text: string }
  | { at: string; app: string; kind: "done"; op: DeployOp; urls?: Record<string, string> }
  | { at: string; app: string; kind: "failed"; op: DeployOp; text: string };

/** A deploy event before its time is stamped. */
export type DeployEventInput = DeployEvent extends infer E ? (E extends DeployEvent ? Omit<E, "at"> : never) : never;

/**
 * Appends one event, stamped with the current time. Never throws: a deploy must not fail because
 * its progress could not be recorded.
 * @param path - the events file (infra/core/environment `deployEventsPath`).
 */
export function appendDeployEvent(path: string, event: DeployEventInput): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      if (statSync(path).size > MAX_EVENTS_BYTES) renameSync(path, `${path}.1`);
    } catch {
      // No file yet.
    }
    appendFileSync(path, JSON.stringify({ at: new Date().toISOString(), ...event }) + "\n", { mode: 0o600 });
  } catch {
    // Progress display only: skip.
  }
}
