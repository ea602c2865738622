/**
 * Modal's on-demand GPU rates per GPU type, USD per second per GPU.
 *
 * Source: Modal's pricing page (https://modal.com/pricing) is not in this project's reach; the
 * figures are the per-second table transcribed from it in api-evangelist/modal-com:README.md
 * ("GPU Pricing", created 2026-05-25), cross-checked against techbytes.app's cheat sheet
 * "verified on May 7, 2026 from official vendor pricing" (H100 $0.001097/s, A100 80GB $2.4984/h =
 * $0.000694/s, L40S $1.9512/h = $0.000542/s, T4 $0.5904/h = $0.000164/s, L4 $0.7992/h = $0.000222/s)
 * and a third copy listing H200 $0.001261/s and B200 $0.001736/s. Read for this project 2026-11-22.
 * Base rates only: Modal multiplies them for region selection and non-preemptible capacity, and
 * bills CPU and memory on top (see docs/capacity.md, "Cost").
 * @module
 */

/** Where the table comes from, for reports. */
export const RATES_SOURCE =
  "https://modal.com/pricing (as transcribed in api-evangelist/modal-com README, 2026-05-25; cross-checked techbytes.app 2026-05-07)";

/** Date the rates were read for this project (ISO 8601). */
export const RATES_AS_OF = "2026-11-22";

/**
 * USD per second for one GPU, keyed by Modal GPU name (`infra/modal/gpus.ts`). `A100` and
 * `A100-40GB` are the 40 GB part; `A10G` is billed as the A10; `H100!` and `B200+` are Modal's
 * pinned variants of H100 and B200 and carry the base rate here (any surcharge unknown).
 */
export const GPU_RATES_USD_PER_SECOND: Readonly<Record<string, number>> = Object.freeze({
  T4: 0.000164,
  L4: 0.000222,
  A10: 0.000306,
  A10G: 0.000306,
  L40S: 0.000542,
  A100: 0.000583,
  "A100-40GB": 0.000583,
  "A100-80GB": 0.000694,
  "RTX-PRO-6000": 0.000842,
  H100: 0.001097,
  "H100!": 0.001097,
  H200: 0.001261,
  B200: 0.001736,
  "B200+": 0.001736,
});
