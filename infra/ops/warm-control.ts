/**
 * Warm periods on Modal: `warm` writes the period into the controller's `modal.Dict`
 * (`warm:<app>`), and the controller's scheduled function on Modal sets min_containers back to 0 at
 * the first run after its end, whether or not this machine is on (infra/render/control_runtime.py).
 * `cool` removes the key. The local timer and records (./warm.ts) stay as a convenience.
 * @module
 */
import type { Environment } from "../core/environment";
import { modalChildEnv } from "../provider/modal-cli";
import { modalDictPut, type ModalPythonContext } from "../provider/modal-dict";
import { TICK_MINUTES } from "../render/control-shim";
import type { ControlFacts } from "./ledger";
import type { WarmRecord } from "./warm-records";

/** The Dict key of an app's warm period. */
export function warmKey(app: string): string {
  return `warm:${app}`;
}

/** How `warm` / `cool` run the modal SDK for the controller's Dict. */
export function controlPythonContext(environment: Environment): ModalPythonContext {
  return { python: environment.modal.python, env: modalChildEnv(environment.vars), ...(environment.modal.environment ? { environment: environment.modal.environment } : {}) };
}

/**
 * Writes the period into the controller's Dict (times as epoch seconds, as the controller reads them).
 * @throws ModalCliError when the write fails.
 */
export async function recordWarmOnModal(ctx: ModalPythonContext, control: ControlFacts, record: WarmRecord): Promise<void> {
  await modalDictPut(ctx, control.dict, warmKey(record.app), {
    app: record.app,
    function: record.functionRef,
    min_containers: record.minContainers,
    until: new Date(record.until).getTime() / 1000,
    id: record.id,
  });
}

/**
 * Removes an app's period from the controller's Dict (nothing to end on Modal any more).
 * @throws ModalCliError when the write fails.
 */
export async function clearWarmOnModal(ctx: ModalPythonContext, control: ControlFacts, app: string): Promise<void> {
  await modalDictPut(ctx, control.dict, warmKey(app), undefined);
}

/** The `ends:` line of `warm` when the controller holds the period. */
export function controllerEndsLine(control: ControlFacts, untilText: string): string {
  return `ends: on Modal, ${control.app} sets min_containers back to 0 at its first run after ${untilText} (every ${TICK_MINUTES} min), whether or not this machine is on; the local timer is a convenience.`;
}
