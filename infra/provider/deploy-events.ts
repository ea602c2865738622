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
 * The file is rotated to `<file>.1` past {@link MAX_EVENTS_BYTES}.
 *
 * Everything here is plain `node:fs`, so Pulumi's closure serializer can capture it with the
 * provider (tests/provider/serialize proves the provider still serializes).
 * @module
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Environment variable naming the events file (overrides the default place). */
export const DEPLOY_EVENTS_ENV = "QCM_DEPLOY_EVENTS";

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
 * Where the events go: `$QCM_DEPLOY_EVENTS`, else `$XDG_STATE_HOME/qwen-code-modal/deploy-events.jsonl`
 * (`~/.local/state/...` when XDG_STATE_HOME is unset).
 */
export function deployEventsPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env[DEPLOY_EVENTS_ENV]) return env[DEPLOY_EVENTS_ENV];
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "qwen-code-modal", "deploy-events.jsonl");
}

/**
 * Appends one event, stamped with the current time. Never throws: a deploy must not fail because
 * its progress could not be recorded.
 * @param path - the events file (default {@link deployEventsPath}).
 */
export function appendDeployEvent(event: DeployEventInput, path: string = deployEventsPath()): void {
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
