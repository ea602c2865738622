/**
 * A deployed function's autoscaler, through the modal CLI (what `warm` / `cool` change).
 *
 * Sources (modal 1.6.4):
 * - `modal function autoscaler update APP/FUNCTION --min-containers N` (modal/cli/function.py:1449-1539)
 *   calls `Function.autoscaler.update(...)`, the successor of the deprecated
 *   `Function.update_autoscaler(min_containers=...)` (modal/_functions.py:1371-1416). N >= 0.
 *   Prints `✓ Updated autoscaler settings for Function <name>`.
 * - `modal function autoscaler settings APP/FUNCTION --json` (function.py:1323-1446) prints
 *   `{"current_settings": {"min_containers", "max_containers", "scaledown_window",
 *   "buffer_containers"}, "override_events": [...]}` (a value is null when unset).
 * - "Subsequent deployments of the App containing this Function will reset the autoscaler back to
 *   its static configuration" (_functions.py:1384): a redeploy ends a warm period.
 * - FUNCTION is `APP_NAME/FUNCTION_NAME` (cli/utils.py:266); a class's service function is
 *   `Class.*` (the hint in utils.py `_resolve_function_id`).
 * @module
 */
import { z } from "zod";
import { modalFailure, modalJson, runModal, type ModalCliContext } from "./modal-cli";

/** Autoscaler values in force (decorator values, or overrides); null when unset. */
export interface AutoscalerSettings {
  minContainers: number | null;
  maxContainers: number | null;
  /** Seconds. */
  scaledownWindow: number | null;
  bufferContainers: number | null;
}

/**
 * `modal function autoscaler update APP/FUNCTION --min-containers N`.
 * @throws ModalCliError when modal fails (unknown or stopped app or function, bad value).
 */
export async function modalSetMinContainers(ctx: ModalCliContext, functionRef: string, minContainers: number, timeoutSeconds = 60): Promise<void> {
  const argv = ["function", "autoscaler", "update", functionRef, "--min-containers", String(minContainers)];
  const run = await runModal({ ...ctx, onLine: undefined }, argv, timeoutSeconds);
  if (run.exitCode !== 0) modalFailure(run);
  if (!run.output.includes("Updated autoscaler settings")) modalFailure(run, "modal exited 0 but never confirmed the update");
}

/**
 * `modal function autoscaler settings APP/FUNCTION --json`.
 * @throws ModalCliError when modal fails or prints something else.
 */
export async function modalAutoscalerSettings(ctx: ModalCliContext, functionRef: string, timeoutSeconds = 60): Promise<AutoscalerSettings> {
  const argv = ["function", "autoscaler", "settings", functionRef, "--json"];
  const { run, json } = await modalJson(ctx, argv, timeoutSeconds);
  const count = z.number().int().nullable();
  const schema = z.object({
    current_settings: z.object({ min_containers: count, max_containers: count, scaledown_window: count, buffer_containers: count }),
  });
  const parsed = schema.safeParse(json);
  if (!parsed.success) modalFailure(run, "stdout is not autoscaler settings");
  const s = parsed.data.current_settings;
  return { minContainers: s.min_containers, maxContainers: s.max_containers, scaledownWindow: s.scaledown_window, bufferContainers: s.buffer_containers };
}
