/**
 * The launchers' (`qwen`, `claude`) wake step from their options: `--wake-timeout SECONDS`
 * (default 1200), `--no-wake`; progress on stderr. See infra/clients/wake.ts.
 * @module
 */
import type { Endpoint } from "@qwen-code-modal/contract";
import { DEFAULT_WAKE, wakeEndpoint } from "../clients/wake";
import type { ClientContext } from "../endpoints/context";
import { positiveNumber } from "./client-options";

/**
 * Wakes the coder unless `--no-wake`.
 * @throws UserError when it does not become healthy (see `wakeEndpoint`), or for a bad `--wake-timeout`.
 */
export async function wakeCoderForLauncher(
  context: ClientContext,
  coder: Endpoint,
  values: { "wake-timeout"?: string; "no-wake"?: boolean },
): Promise<void> {
  if (values["no-wake"]) return;
  const timeoutSeconds = positiveNumber("wake-timeout", values["wake-timeout"], DEFAULT_WAKE.timeoutSeconds);
  await wakeEndpoint(context, "coder", coder, { ...DEFAULT_WAKE, timeoutMs: timeoutSeconds * 1000, log: (line) => console.error(line) });
}
