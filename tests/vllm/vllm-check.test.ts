/**
 * The rendered shims checked by the real vLLM they pin (vllm==0.33.0 from PyPI, no GPU): every
 * deployment in every cold-start mode with and without the compile cache, plus extra args users pass.
 * vLLM parses each `vllm serve` command with its own parser and validation; for the registry models
 * it also builds its engine config on a simulated device of the shim's GPU (compute capability 9.0 for
 * the H200, 8.0 for the A100) from a stand-in config.json, and picks the attention backend.
 * All cases run in one Python process (vLLM's import is the slow part).
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { COLD_START_MODES } from "../../infra/coldstart";
import { resolveConfig } from "../../infra/config/resolve";
import type { Deployment } from "../../infra/config/schema";
import { compareVllmReport, runVllmCheck, shimCases, simulatedDevice, type SimulatedDevice, type VllmCase, type VllmCheckOutput } from "../../infra/check/vllm-check";
import { CUDA_BASE_IMAGE } from "../../infra/render/shim";
import { deploymentColdStart, renderShim } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { readVllmArg } from "../../infra/config/vllm-flags";
import { writeModelConfig } from "../../infra/check/model-config";
import { ROOT } from "../support/cli";
import { skipWithoutVllm, VLLM, VLLM_VARS } from "../support/vllm";

const skip = skipWithoutVllm();

interface Variant {
  id: string;
  deployment: Deployment;
}

const variants: Variant[] = [];
for (const coldStart of COLD_START_MODES) {
  for (const compileCache of [true, false]) {
    const config = resolveConfig({ deployments: { coder: { coldStart, compileCache }, vlm: { coldStart, compileCache } } });
    for (const [name, deployment] of Object.entries(config.deployments)) {
      variants.push({ id: `${name}/${coldStart}/${compileCache ? "cache" : "eager"}`, deployment });
    }
  }
}

/**
 * The agent-serving settings (issue 13, infra/render/serving-args.ts) on the coder, as users opt in:
 * each must parse, validate and build vLLM's engine config (simulated H200, the model's config.json),
 * and reach vLLM as the values the config means.
 */
const SERVING: { id: string; coder: Record<string, unknown>; want: Record<string, unknown> }[] = [
  { id: "coder/serving: prefix caching off", coder: { prefixCaching: { enabled: false } }, want: { enable_prefix_caching: false } },
  { id: "coder/serving: match unit 32", coder: { prefixCaching: { enabled: true, matchUnit: 32 } }, want: { enable_prefix_caching: true, prefix_match_unit: 32 } },
  {
    id: "coder/serving: MTP 2 tokens + shared prefix checkpoint",
    coder: { prefixCaching: { enabled: true, matchUnit: 16, sharedPrefixCheckpoint: true }, speculativeDecoding: { method: "mtp", tokens: 2 } },
    want: { enable_prefix_caching: true, prefix_match_unit: 16, enable_mamba_shared_prefix_checkpoint: true, speculative_config: { method: "mtp", num_speculative_tokens: 2 } },
  },
  {
    id: "coder/serving: sampling defaults overridden",
    coder: { samplingDefaults: { base: "model", temperature: 0.7, topP: 0.8 } },
    // --generation-config auto is vLLM's default, so the checker does not list it among the changed values.
    want: { override_generation_config: { temperature: 0.7, top_p: 0.8 } },
  },
];
for (const v of SERVING) {
  const config = resolveConfig({ deployments: { coder: v.coder } });
  variants.push({ id: v.id, deployment: config.deployments.coder });
}

// The coder as a Modal Server (serving: "server", docs/serving-modes.md): the same vllm serve command
// from the Server's @modal.enter(), with and without a memory snapshot.
for (const coldStart of ["image", "snapshot"] as const) {
  const config = resolveConfig({ deployments: { coder: { serving: "server", coldStart, maxContainers: 3, targetConcurrency: 6 } } });
  variants.push({ id: `coder/server/${coldStart}`, deployment: config.deployments.coder });
}

/** Extra args as users write them: each must reach vLLM as the flag it spells. */
const EXTRA: Record<string, { args: string[]; want: Record<string, unknown> }> = {
  "prefix caching": { args: ["--enable-prefix-caching"], want: { enable_prefix_caching: true } },
  "--disable-log-requests (inverse of --enable-log-requests in 0.33)": { args: ["--disable-log-requests"], want: { enable_log_requests: false } },
  "underscores and = value": { args: ["--max_num_batched_tokens=8192"], want: { max_num_batched_tokens: 8192 } },
  "short alias -tp": { args: ["-tp", "2"], want: { tensor_parallel_size: 2 } },
  "dotted sub-key": { args: ["--limit-mm-per-prompt.image=50"], want: { limit_mm_per_prompt: { image: 50 } } },
  "underscored managed flag": { args: ["--max_model_len=999999"], want: { max_model_len: 999999 } },
  "argparse prefix abbreviation": { args: ["--max-model", "4096"], want: { max_model_len: 4096 } },
  "--api-key": { args: ["--api-key", "k"], want: { api_key: ["k"] } },
};

let output: VllmCheckOutput;

beforeAll(async () => {
  if (skip) return;
  const dir = await mkdtemp(join(tmpdir(), "qcm-vllm-"));
  const devices: Record<string, SimulatedDevice> = {};
  const cases: VllmCase[] = [];
  for (const v of variants) {
    const [path] = await writeShims(join(dir, v.id.replaceAll("/", "-")), [renderShim(v.id.split("/")[0], v.deployment)]);
    const [{ vcase, device }] = await shimCases(v.id, path, v.deployment, join(dir, "models"));
    devices[vcase.device] = device;
    cases.push({ ...vcase, id: v.id });
  }
  const coder = variants[0].deployment;
  devices.H200 = simulatedDevice("H200", 1);
  for (const [id, { args, want }] of Object.entries(EXTRA)) cases.push({ id, device: "H200", argv: ["m", ...args], fields: Object.keys(want) });
  cases.push({ id: "unknown flag", device: "H200", argv: ["m", "--no-such-flag"] });
  // The native-context bound (infra/config/resolve.ts) against vLLM's own: one token past 262,144.
  const coderDir = await writeModelConfig(join(dir, "models"), coder.modelId);
  cases.push({ id: "coder past native context", device: "H200", argv: ["m", "--max-model-len", "262145"], model_dir: coderDir });
  cases.push({ id: "coder at native context", device: "H200", argv: ["m", "--max-model-len", "262144"], model_dir: coderDir });
  // The vlm with FP8 KV on its A100 (the old default) and bf16 KV (the default now).
  const vlm = variants.find((v) => v.id === "vlm/image/cache")!.deployment;
  const vlmDir = await writeModelConfig(join(dir, "models"), vlm.modelId);
  devices.A100 = simulatedDevice("A100-80GB", 1);
  cases.push({ id: "vlm fp8 KV on A100", device: "A100", argv: ["m", "--kv-cache-dtype", "fp8", "--max-model-len", "32768"], model_dir: vlmDir });
  cases.push({ id: "unknown tool parser", device: "H200", argv: ["m", "--enable-auto-tool-choice", "--tool-call-parser", "nope"] });
  cases.push({ id: "auto tool choice without parser", device: "H200", argv: ["m", "--enable-auto-tool-choice"] });
  output = await runVllmCheck(VLLM, devices, cases, VLLM_VARS, { dumpFlags: true });
}, 30 * 60_000);

describe.skipIf(skip)("vLLM 0.33.0 checks every rendered shim (real vLLM, simulated device)", () => {
  it.each(variants.map((v) => [v.id, v] as const))("%s: vLLM parses and validates the vllm serve command as the config means it", (id, v) => {
    const report = output.cases[id];
    expect(report.ok, `${report.stage}: ${report.error}`).toBe(true);
    expect(compareVllmReport(report, v.deployment, deploymentColdStart(v.deployment))).toEqual([]);
  });

  it.each(["image", "snapshot"].map((c) => [`coder/server/${c}`] as const))("%s: a Modal Server's vLLM reports cached tokens per request (--enable-prompt-tokens-details)", (id) => {
    const report = output.cases[id];
    expect(report.ok, `${report.stage}: ${report.error}`).toBe(true);
    expect(report.parsed?.enable_prompt_tokens_details).toBe(true);
    expect(output.cases["coder/image/cache"].parsed?.enable_prompt_tokens_details).toBe(false);
  });

  it.each(SERVING.map((v) => [v.id, v] as const))("%s: vLLM reads the serving flags as the config means them", (id, v) => {
    const report = output.cases[id];
    expect(report.ok, `${report.stage}: ${report.error}`).toBe(true);
    for (const [key, want] of Object.entries(v.want)) expect(report.parsed?.[key], key).toEqual(want);
  });

  it("the checker is the pinned vLLM, and cites where each step lives in its source", () => {
    expect(output.vllm_version).toBe(VLLM.version);
    for (const step of ["make_arg_parser", "validate_parsed_serve_args", "AsyncEngineArgs.from_cli_args", "EngineArgs.create_engine_config"]) {
      expect(output.sources[step]).toMatch(/^vllm\/.+\.py:\d+$/);
    }
  });

  it("the check can fail: unknown flags, unregistered tool parsers and --enable-auto-tool-choice alone are refused by vLLM", () => {
    expect(output.cases["unknown flag"]).toMatchObject({ ok: false, stage: "parse", error: expect.stringContaining("--no-such-flag") });
    expect(output.cases["unknown tool parser"]).toMatchObject({ ok: false, stage: "validate_api_server_args", error: expect.stringContaining("invalid tool call parser: nope") });
    expect(output.cases["auto tool choice without parser"]).toMatchObject({ ok: false, stage: "validate_parsed_serve_args" });
  });

  it.each(Object.entries(EXTRA))("extra args: %s reach vLLM as the flag they spell, and the config's reading agrees", (id, { args, want }) => {
    const report = output.cases[id];
    expect(report.ok, `${report.stage}: ${report.error}`).toBe(true);
    expect(report.parsed).toMatchObject(want);
    // infra/config/vllm-flags.ts reads the flag as vLLM does: the field vLLM set is the one it names.
    const reading = readVllmArg(args[0]);
    expect(reading.kind).toBe("flag");
    if (reading.kind === "flag") expect(Object.keys(want)).toEqual([reading.dest]);
  });

  it("infra/config/vllm-serve-flags.ts is what vLLM 0.33.0's parser generates (regenerate: python infra/check/vllm_check.py --flags-ts)", async () => {
    expect(output.flags_module).toBe(await readFile(join(ROOT, "infra", "config", "vllm-serve-flags.ts"), "utf8"));
  });

  it("maxModelLen past the native context: vLLM refuses 262,145 for the coder at create_engine_config, accepts 262,144 (the bound config validation enforces)", () => {
    expect(output.cases["coder past native context"]).toMatchObject({ ok: false, stage: "create_engine_config" });
    expect(output.cases["coder past native context"].error).toMatch(/max_model_len|max_position_embeddings/);
    expect(output.cases["coder at native context"].ok).toBe(true);
  });
});

describe.skipIf(skip)("the image's CUDA matches the pinned vLLM's torch (installed wheel metadata)", () => {
  it("CUDA_BASE_IMAGE's CUDA major.minor is torch.version.cuda of the torch vLLM 0.33.0 installs", () => {
    expect(output.torch_cuda).toMatch(/^\d+\.\d+$/);
    const imageCuda = /^nvidia\/cuda:(\d+\.\d+)\.\d+-/.exec(CUDA_BASE_IMAGE)?.[1];
    expect(imageCuda).toBe(output.torch_cuda);
  });
});

describe.skipIf(skip)("attention backend on the deployment's GPU (simulated device)", () => {
  it("coder on H200 (simulated device, sm90): FP8 KV cache on FlashAttention", () => {
    const engine = output.cases["coder/image/cache"].engine;
    if (!engine || typeof engine === "string") throw new Error(`no engine report: ${engine}`);
    expect(engine).toMatchObject({ architecture: "Qwen3NextForCausalLM", is_hybrid: true, kv_cache_dtype: "fp8", attention_backend: "FLASH_ATTN", fp8_kv_supported: true, max_model_len: 131_072, quantization: "fp8" });
  });

  it("vlm on A100-80GB (simulated device, sm80), default bf16 KV: FlashAttention, with FlashInfer and Triton as valid fallbacks", () => {
    const engine = output.cases["vlm/image/cache"].engine;
    if (!engine || typeof engine === "string") throw new Error(`no engine report: ${engine}`);
    expect(engine).toMatchObject({ architecture: "Qwen3VLForConditionalGeneration", kv_cache_dtype: "auto", attention_backend: "FLASH_ATTN", dtype: "bfloat16" });
    expect(engine.backends_valid).toEqual(expect.arrayContaining(["FLASH_ATTN", "FLASHINFER", "TRITON_ATTN"]));
  });

  it("vlm on A100-80GB (simulated device, sm80) with FP8 KV: FlashAttention refuses it, only FlashInfer is left (Triton's impl raises below sm89)", () => {
    const engine = output.cases["vlm fp8 KV on A100"].engine;
    if (!engine || typeof engine === "string") throw new Error(`no engine report: ${engine}`);
    expect(engine.attention_backend).toBe("FLASHINFER");
    expect(engine.backends_rejected.FLASH_ATTN.join(" ")).toMatch(/FP8 KV cache requires FA3 on SM90/);
  });
});
