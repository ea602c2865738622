/**
 * What a deployment costs on Modal: per warm hour, per cold start, and per idle tail, so a user
 * sees what `scaledown_window` trades (a longer window means fewer cold starts but a longer paid
 * idle tail after the last request of each burst).
 * @module
 */
import { GPU_TYPES } from "../modal/gpus";
import { GPU_RATES_USD_PER_SECOND, RATES_AS_OF, RATES_SOURCE } from "./rates";

/** What `estimateCost` needs. */
export interface CostInput {
  /** Modal GPU name, e.g. `"H200"`. */
  gpu: string;
  /** GPUs per container, integer >= 1. */
  gpuCount: number;
  /** Seconds from container start to the first request served (billed), >= 0. */
  startupSeconds: number;
  /** Modal `scaledown_window`, seconds a container idles before it is stopped, >= 0. */
  scaledownWindowSeconds: number;
  /** USD per second per GPU by Modal GPU name, replacing the table's rate (e.g. from stack config). */
  rateOverrides?: Record<string, number>;
}

/** GPU cost of one container of a deployment. All amounts are USD; GPU time only. */
export interface CostReport {
  /** USD per second while a container runs (rate x gpuCount). */
  usdPerSecond: number;
  /** USD for one hour with a container up. */
  usdPerWarmHour: number;
  /** USD for one cold start: startupSeconds x usdPerSecond. */
  usdPerColdStart: number;
  /** USD for the idle tail after the last request of a burst: scaledownWindowSeconds x usdPerSecond. Zero once scaled to zero. */
  usdPerIdleTail: number;
  /** Where the rate came from: `config override` or the rates table's source. */
  source: string;
  /** Date of the rate (ISO 8601), or `"override"`. */
  asOf: string;
}

function requireNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

/**
 * Estimates one container's GPU cost. Scaled to zero, a deployment costs nothing: these figures
 * apply only while a container is up.
 * @throws Error for a GPU name Modal does not know, or a non-positive override.
 * @throws RangeError for a negative or non-finite duration, or a gpuCount that is not an integer >= 1.
 */
export function estimateCost(input: CostInput): CostReport {
  if (!GPU_TYPES[input.gpu]) throw new Error(`unknown GPU type "${input.gpu}"`);
  if (!Number.isInteger(input.gpuCount) || input.gpuCount < 1) {
    throw new RangeError(`gpuCount must be an integer >= 1, got ${input.gpuCount}`);
  }
  requireNonNegative("startupSeconds", input.startupSeconds);
  requireNonNegative("scaledownWindowSeconds", input.scaledownWindowSeconds);
  const override = input.rateOverrides?.[input.gpu];
  if (override !== undefined && !(Number.isFinite(override) && override > 0)) {
    throw new Error(`rate override for ${input.gpu} must be a positive USD/second, got ${override}`);
  }
  const perGpu = override ?? GPU_RATES_USD_PER_SECOND[input.gpu];
  if (perGpu === undefined) throw new Error(`no rate for GPU "${input.gpu}" in infra/cost/rates.ts; set an override`);
  const usdPerSecond = perGpu * input.gpuCount;
  return {
    usdPerSecond,
    usdPerWarmHour: usdPerSecond * 3600,
    usdPerColdStart: usdPerSecond * input.startupSeconds,
    usdPerIdleTail: usdPerSecond * input.scaledownWindowSeconds,
    source: override === undefined ? RATES_SOURCE : "config override",
    asOf: override === undefined ? RATES_AS_OF : "override",
  };
}
