/**
 * The `vllm serve` flags of a deployment's serving settings (infra/config/serving.ts): prefix
 * caching, speculative decoding and sampling defaults. Spellings and JSON shapes are vLLM
 * 0.33.0's (`engine/arg_utils.py:1402-1447` for the cache group, `--speculative-config` and
 * `--override-generation-config` take JSON objects).
 * @module
 */
import type { Deployment } from "../config/schema";
import type { SamplingDefaults } from "../config/serving";

/** vLLM generation-config keys of each sampling field (`config/model.py:1882-1892`). */
const SAMPLING_KEYS: Readonly<Record<Exclude<keyof SamplingDefaults, "base">, string>> = {
  temperature: "temperature",
  topP: "top_p",
  topK: "top_k",
  minP: "min_p",
  repetitionPenalty: "repetition_penalty",
  presencePenalty: "presence_penalty",
};

/** The `--override-generation-config` object, keys in vLLM's spelling; empty when no value is set. */
export function generationOverrides(s: SamplingDefaults): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [field, key] of Object.entries(SAMPLING_KEYS)) {
    const value = s[field as keyof typeof SAMPLING_KEYS];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Builds the flags; nothing for a setting left out of the config (vLLM's default applies).
 * @returns one argv entry per element.
 */
export function servingArgs(d: Deployment): string[] {
  const args: string[] = [];
  const pc = d.prefixCaching;
  if (pc) {
    args.push(pc.enabled ? "--enable-prefix-caching" : "--no-enable-prefix-caching");
    if (pc.matchUnit !== undefined) args.push("--prefix-match-unit", String(pc.matchUnit));
    if (pc.sharedPrefixCheckpoint) args.push("--enable-mamba-shared-prefix-checkpoint");
  }
  if (d.speculativeDecoding) {
    args.push("--speculative-config", JSON.stringify({ method: d.speculativeDecoding.method, num_speculative_tokens: d.speculativeDecoding.tokens }));
  }
  const s = d.samplingDefaults;
  if (s) {
    args.push("--generation-config", s.base === "model" ? "auto" : "vllm");
    const overrides = generationOverrides(s);
    if (Object.keys(overrides).length > 0) args.push("--override-generation-config", JSON.stringify(overrides));
  }
  return args;
}
