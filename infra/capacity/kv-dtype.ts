/**
 * Bytes per stored element of vLLM's KV cache for each `--kv-cache-dtype` value.
 *
 * Source: vLLM engine args, `--kv-cache-dtype {auto,bfloat16,fp8,fp8_e4m3,fp8_e5m2,...}`
 * (docs.vllm.ai/en/latest/configuration/engine_args.html): `auto` uses the model dtype
 * (bfloat16 for both registry models, 2 bytes); every `fp8*` variant stores 1 byte per element.
 * @module
 */

const BYTES: Readonly<Record<string, number>> = {
  auto: 2,
  bfloat16: 2,
  bf16: 2,
  float16: 2,
  fp8: 1,
  fp8_e4m3: 1,
  fp8_e5m2: 1,
};

/**
 * Bytes per KV-cache element for a vLLM `kv_cache_dtype`.
 * @param kvCacheDtype vLLM's value, e.g. `"auto"`, `"fp8"`, `"fp8_e4m3"`.
 * @returns 1 or 2 (bytes).
 * @throws Error naming the allowed values when `kvCacheDtype` is not one of them.
 */
export function kvCacheDtypeBytes(kvCacheDtype: string): number {
  const bytes = BYTES[kvCacheDtype];
  if (bytes === undefined) {
    throw new Error(
      `kv_cache_dtype "${kvCacheDtype}" is not known to the capacity model; allowed: ${Object.keys(BYTES).join(", ")}`,
    );
  }
  return bytes;
}
