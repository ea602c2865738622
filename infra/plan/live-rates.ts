/**
 * `plan --live-rates`: the workspace's current rates from the user's modal CLI
 * (`modal billing rates --json`, run through the provider's one modal CLI module), with Modal
 * credentials from the environment or the project's .env.
 * @module
 */
import { fetchModalBillingRates } from "../cost";
import { UserError } from "../core/errors";
import type { Environment } from "../core/environment";
import { isModalCliError, modalChildEnv, modalStdout } from "../provider/modal-cli";

/**
 * Asks Modal for the workspace's rates (needs credentials and network).
 * @param environment - the entry point's environment: its modal CLI and variables (credentials) are used.
 * @returns key → number, keys and units exactly as Modal reports them.
 * @throws UserError with the modal CLI's last line (redacted) when it fails (no credentials, no network, ...).
 */
export async function liveRates(environment: Environment): Promise<Record<string, number>> {
  const env = modalChildEnv(environment.vars);
  return fetchModalBillingRates(environment.modal.cli, (cli, args) =>
    modalStdout({ cli, env }, args, 60).catch((err: unknown) => {
      if (!isModalCliError(err)) throw err;
      throw new UserError(`modal billing rates failed: ${err.outputTail.trim().split("\n").at(-1)}`);
    }),
  );
}

/** Renders live rates as text lines for `plan`. */
export function formatLiveRates(rates: Record<string, number>): string {
  const width = Math.max(0, ...Object.keys(rates).map((k) => k.length));
  return [
    "Live rates from `modal billing rates` (keys and units as Modal reports them; to use one, set qwen-code-modal:gpuRatesUsdPerSecond):",
    ...Object.entries(rates).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ].join("\n");
}
