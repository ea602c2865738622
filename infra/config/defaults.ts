/**
 * The two deployments this project exists for, as validated defaults. Stack config
 * overrides any field (see load.ts).
 * @module
 */
import type { Deployment, StackSettings } from "./schema";
import { QWEN3_CODER_NEXT_SAMPLING } from "./serving";

/** vLLM release pinned into both images (PyPI `vllm`, latest release on 2026-11-22). */
export const DEFAULT_VLLM_VERSION = "0.33.0";

const common = {
  serving: "web_server",
  vllmVersion: DEFAULT_VLLM_VERSION,
  gpuCount: 1,
  kvCacheDtype: "fp8",
  gpuMemoryUtilization: 0.9,
  scaledownWindow: 300,
  timeout: 1800,
  startupTimeout: 600,
  port: 8000,
  // Not pinned by default: the Hub was not reachable when these defaults were written. Pin with
  // `pulumi config set --path 'qwen-code-modal:deployments.<name>.modelRevision' <40-hex commit>`;
  // `plan` flags every unpinned revision.
  modelRevision: "main",
  coldStart: "image",
  compileCache: true,
} as const satisfies Partial<Deployment>;

/** Default deployments by name. */
export const DEFAULT_DEPLOYMENTS: Readonly<Record<string, Deployment>> = {
  coder: {
    ...common,
    extraVllmArgs: [],
    role: "coder",
    appName: "qcm-coder",
    modelId: "unsloth/Qwen3-Coder-Next-FP8-Dynamic",
    servedModelName: "qwen3-coder-next",
    gpu: "H200",
    maxModelLen: 131_072,
    maxInputs: 128,
    maxContainers: 1,
    toolCallParser: "qwen3_coder",
    maxImagesPerPrompt: 0,
    // Agents resend a growing context every turn: keep prefix caching explicitly on (vLLM's default
    // for this model, made visible so the shim and the checker show it). Speculative decoding stays
    // opt-in until the checkpoint's MTP weights are confirmed (see serving.ts, mtpWeightsNote).
    prefixCaching: { enabled: true },
    samplingDefaults: QWEN3_CODER_NEXT_SAMPLING,
  },
  vlm: {
    ...common,
    extraVllmArgs: [],
    role: "vlm",
    appName: "qcm-vlm",
    modelId: "Qwen/Qwen3-VL-32B-Thinking-FP8",
    servedModelName: "qwen3-vl-32b-thinking",
    gpu: "A100-80GB",
    maxModelLen: 32_768,
    maxInputs: 16,
    // The A100 (sm80) has no FP8 KV-cache path but FlashInfer's: vLLM 0.33's FlashAttention needs
    // sm90 for it and Triton attention raises below sm89 (vllm/v1/attention/backends/triton_attn.py:514),
    // so a FlashInfer failure would leave no backend that boots. bf16 KV ("auto") runs on every backend.
    // tests/vllm shows vLLM's selection for both on a simulated A100.
    kvCacheDtype: "auto",
    reasoningParser: "qwen3",
    maxImagesPerPrompt: 5,
    // Every image at most 4,096 tokens, whatever the client sends: Qwen3-VL makes one token of
    // 32x32 px (patch 16 x merge 2, infra/capacity/models.ts), so 4,096 x 1,024 = 4,194,304 px
    // (a 3840x2160 screenshot becomes 2720x1536 px, 4,080 tokens). Five such images (20,480) plus
    // vlm-analyzer's 8,192 answer tokens fit the 32,768-token context with 4,096 left for text.
    // Unbounded, one image could take 16,384 tokens and five 81,920.
    maxImagePixels: 4_194_304,
  },
};

/** Default stack-wide settings. */
export const DEFAULT_STACK_SETTINGS: StackSettings = {
  enabled: ["coder", "vlm"],
  proxyTokenIdEnv: "MODAL_PROXY_TOKEN_ID",
  proxyTokenSecretEnv: "MODAL_PROXY_TOKEN_SECRET",
  deployTimeout: 3600,
};
