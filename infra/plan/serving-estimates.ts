/**
 * What a deployment's serving settings (prefix caching, speculative decoding, sampling defaults)
 * cost in GPU memory and are expected to buy, for the plan. Every figure is an estimate from the
 * model registry and vLLM 0.33.0's sizing code; `bench` measures the real thing.
 * @module
 */
import type { Deployment } from "../config/schema";
import { hasMtpArchitecture, mtpWeightsNote } from "../config/serving";
import { kvBytesPerToken, kvCacheDtypeBytes, linearStateBytesPerSequence, MODEL_REGISTRY } from "../capacity";
import { generationOverrides } from "../render/serving-args";

/** Plan figures for the serving settings; byte and token counts are estimates. */
export interface ServingPlan {
  prefixCaching: {
    enabled: boolean;
    /** Attention block (= Mamba block in align mode) size range, tokens; null for a non-hybrid or unknown model. */
    blockTokens: [number, number] | null;
    /** Gated DeltaNet state one cached checkpoint holds, bytes; null for a non-hybrid or unknown model. */
    mambaStateBytesPerCheckpoint: number | null;
    /** One sentence on what it buys and costs. */
    summary: string;
  };
  speculativeDecoding: {
    enabled: boolean;
    tokens: number;
    /** MTP layer weights, bytes (estimate); null when off or unknown. */
    extraWeightBytes: number | null;
    /** Extra KV cache per token for the MTP layer's attention, bytes; null when off or unknown. */
    extraKvBytesPerToken: number | null;
    /** Upper bound of tokens per target forward at per-token acceptance 0.6 and 0.8. */
    tokensPerStepUpperBound: [number, number] | null;
    summary: string;
  };
  sampling: { summary: string };
}

/**
 * Minimal attention block for a hybrid model in align mode: the smallest multiple of the kernel
 * alignment whose attention page (per layer) covers one Mamba page (vLLM 0.33
 * `platforms/interface.py:1098-1115`). Alignment 16 (FlashAttention / Triton GDN prefill) and 64
 * (FlashInfer GDN prefill checkpoint grid, `v1/attention/backends/gdn_attn.py:34`).
 */
function alignedBlock(mambaPageBytes: number, attnPagePerTokenBytes: number, alignment: number): number {
  return alignment * Math.ceil(mambaPageBytes / (alignment * attnPagePerTokenBytes));
}

/**
 * Expected tokens per target forward with k draft tokens each accepted with probability a
 * (independent): 1 + a + ... + a^k. An upper bound on the decode speed-up: it ignores the drafter's
 * own cost and the longer verify pass (Leviathan et al. 2023, eq. 1).
 */
export function tokensPerStep(a: number, k: number): number {
  return (1 - a ** (k + 1)) / (1 - a);
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/** Estimates the serving settings' costs and gains for one deployment. */
export function estimateServing(d: Deployment): ServingPlan {
  const facts = MODEL_REGISTRY[d.modelId];
  const k = d.speculativeDecoding?.tokens ?? 0;
  const dtypeBytes = kvCacheDtypeBytes(d.kvCacheDtype);
  const perLayerKv = facts ? kvBytesPerToken(facts, dtypeBytes, d.gpuCount) / facts.fullAttentionLayers / d.gpuCount : null;

  // Prefix caching.
  const enabled = d.prefixCaching?.enabled ?? true;
  const linear = facts?.linearAttention;
  let blockTokens: [number, number] | null = null;
  let stateBytes: number | null = null;
  let prefixSummary: string;
  if (!enabled) {
    prefixSummary = "off: every turn re-prefills its whole context";
  } else if (linear && perLayerKv) {
    // The conv state grows by the draft tokens (vLLM mamba_utils.py gated_delta_net_state_shape, num_spec).
    const convDim = 2 * linear.keyHeads * linear.keyHeadDim + linear.valueHeads * linear.valueHeadDim;
    stateBytes = linearStateBytesPerSequence(linear) + linear.layers * k * convDim * linear.stateBytesPerElement;
    const pagePerLayer = stateBytes / linear.layers / d.gpuCount;
    blockTokens = [alignedBlock(pagePerLayer, perLayerKv, 16), alignedBlock(pagePerLayer, perLayerKv, 64)];
    const unit = d.prefixCaching?.matchUnit;
    prefixSummary =
      `on, Mamba cache mode align (vLLM sets it for hybrid models with prefix caching): hits land on ` +
      `${unit ? `${unit}-token match units where a Mamba checkpoint exists` : `block boundaries`}, block ~${blockTokens[0].toLocaleString("en-US")}-${blockTokens[1].toLocaleString("en-US")} tokens; ` +
      `each cached checkpoint holds ${mib(stateBytes)} of Gated DeltaNet state (${linear.layers} layers) in the KV pool, ` +
      `the memory of ~${Math.round(stateBytes / (perLayerKv * facts!.fullAttentionLayers)).toLocaleString("en-US")} KV tokens; ` +
      `expected: a turn that only appends re-prefills its new tokens plus < 1 block instead of the whole context (estimate; bench measures it)`;
  } else {
    prefixSummary = "on: hits land on 16-token blocks (full-attention model); a turn that only appends re-prefills its new tokens (estimate)";
  }

  // Speculative decoding.
  let specSummary = hasMtpArchitecture(d.modelId)
    ? "off (opt-in: speculativeDecoding { method: \"mtp\", tokens: 1-8 })"
    : "off (no MTP layer known for this model)";
  let extraWeightBytes: number | null = null;
  let extraKv: number | null = null;
  let bound: [number, number] | null = null;
  if (d.speculativeDecoding) {
    bound = [tokensPerStep(0.6, k), tokensPerStep(0.8, k)];
    if (facts && perLayerKv) {
      // One MTP decoder layer (attention + MoE), sized as one of the model's decoder layers at the checkpoint's bytes/parameter.
      extraWeightBytes = (facts.parameters / facts.layers) * (facts.weightBytes / facts.parameters);
      extraKv = perLayerKv * d.gpuCount;
    }
    specSummary =
      `MTP, ${k} draft token(s): ` +
      (extraWeightBytes !== null && extraKv !== null ? `+${gb(extraWeightBytes)} weights (one decoder layer, estimate), +${extraKv.toLocaleString("en-US")} B/token KV (its attention layer); ` : "") +
      `at most ${bound[0].toFixed(2)}-${bound[1].toFixed(2)} tokens per target step at acceptance 0.6-0.8 (upper bound, not a forecast); ${mtpWeightsNote(d.modelId)}`;
  }

  // Sampling defaults.
  const s = d.samplingDefaults;
  const overrides = s ? generationOverrides(s) : {};
  const samplingSummary = s
    ? `server defaults ${Object.entries(overrides).map(([key, v]) => `${key} ${v}`).join(", ") || "(none)"} over ${s.base === "model" ? "the checkpoint's generation_config.json" : "vLLM's neutral defaults"}; a request's own values win`
    : "the checkpoint's generation_config.json (vLLM default); a request's own values win";

  return {
    prefixCaching: { enabled, blockTokens, mambaStateBytesPerCheckpoint: stateBytes, summary: prefixSummary },
    speculativeDecoding: { enabled: k > 0, tokens: k, extraWeightBytes, extraKvBytesPerToken: extraKv, tokensPerStepUpperBound: bound, summary: specSummary },
    sampling: { summary: samplingSummary },
  };
}
