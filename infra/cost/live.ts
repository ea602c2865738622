/**
 * Live rates from the user's modal CLI.
 *
 * modal 1.6.4 has `modal billing rates [--json]` (modal/cli/billing.py, command "rates"), backed by
 * `Workspace.billing.rates()` (modal/_workspace.py), which returns the workspace's current rates as
 * a flat mapping of server-defined keys to decimal strings. The SDK source documents neither the
 * key names nor the unit, so this module does not map them onto GPU types or into cost estimates
 * by guesswork: it returns them as reported, for `plan` to show next to the table, and a user who
 * reads them can put a GPU's USD/second into the `rateOverrides` of `estimateCost`. The command
 * needs Modal credentials and network, so it is opt-in and never part of the credential-free plan.
 * @module
 */

/** Runs a command and resolves with its stdout; rejects when it exits non-zero. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<string>;

/** Arguments that make the modal CLI print its rates as JSON. */
export const MODAL_BILLING_RATES_ARGS = ["billing", "rates", "--json"] as const;

/**
 * Parses the stdout of `modal billing rates --json`: an object of key -> decimal string.
 * @returns key -> number, exactly as reported (unit as reported by Modal).
 * @throws Error when the output is not a JSON object of numeric strings.
 */
export function parseModalBillingRates(stdout: string): Record<string, number> {
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("modal billing rates --json did not print a JSON object");
  }
  const rates: Record<string, number> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
    if (!Number.isFinite(n)) throw new Error(`modal billing rates: "${key}" is not a decimal: ${JSON.stringify(value)}`);
    rates[key] = n;
  }
  return rates;
}

/**
 * Asks the modal CLI for the workspace's current rates.
 * @param modalBin path of the `modal` executable (the project's venv one by default in callers).
 * @param run how to run it (e.g. execa); injected so callers choose environment and timeouts.
 */
export async function fetchModalBillingRates(modalBin: string, run: RunCommand): Promise<Record<string, number>> {
  return parseModalBillingRates(await run(modalBin, MODAL_BILLING_RATES_ARGS));
}
