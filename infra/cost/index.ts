/**
 * Cost of a deployment on Modal: rates table, estimates, and the modal CLI's live rates.
 * @module
 */
export { estimateCost } from "./estimate";
export type { CostInput, CostReport } from "./estimate";
export { GPU_RATES_USD_PER_SECOND, RATES_AS_OF, RATES_SOURCE } from "./rates";
export { fetchModalBillingRates, parseModalBillingRates, MODAL_BILLING_RATES_ARGS } from "./live";
export type { RunCommand } from "./live";
