/**
 * Capacity numbers against hand computations. Constants used by hand below:
 *   H200 CUDA total      143,771 MiB = 150,754,820,096 B
 *   A100-80GB CUDA total 85,056,798,720 B;  L40S (data sheet) 48,000,000,000 B
 *   non-torch 0.55 GiB -> ceil(590,558,003.2) = 590,558,004 B
 *   coder: weights 82.1e9 B, activation 7.38 GiB -> ceil(7,924,214,661.12) = 7,924,214,662 B
 *   vlm:   weights 35.5e9 B, activation max(5.64 GiB, 2 GiB) -> ceil(6,055,903,887.36) = 6,055,903,888 B,
 *          encoder cache 16,384 tokens x 5,120 x 4 levels x 2 B = 671,088,640 B
 */
import { describe, expect, it } from "vitest";
import { computeCapacity, FAR_ABOVE_FACTOR, knownModel, type KnownCapacityReport } from "../../infra/capacity";

const CODER = "unsloth/Qwen3-Coder-Next-FP8-Dynamic";
const VLM = "Qwen/Qwen3-VL-32B-Thinking-FP8";

function known(report: ReturnType<typeof computeCapacity>): KnownCapacityReport {
  if (!report.known) throw new Error(`expected a computed report, got: ${report.message}`);
  return report;
}

const coderH200 = { modelId: CODER, gpu: "H200", gpuCount: 1, gpuMemoryUtilization: 0.9, kvCacheDtype: "fp8" };
const vlmA100 = { modelId: VLM, gpu: "A100-80GB", gpuCount: 1, gpuMemoryUtilization: 0.9, kvCacheDtype: "fp8" };

describe("coder on one H200 (hybrid: 12 of 48 layers keep KV)", () => {
  // budget = floor(150,754,820,096 x 0.9) = 135,679,338,086
  // kv     = 135,679,338,086 - 82,100,000,000 - 7,924,214,662 - 590,558,004 = 45,064,565,420 B
  // per token (fp8) = 2 (K,V) x 12 layers x 2 heads x 256 dim x 1 B = 12,288 B
  // linear state = 36 layers x (3 x (2x16x128 + 32x128) + 32x128x128) x 2 B = 36 x 548,864 x 2 = 39,518,208 B
  it("default deployment: 131072 tokens, 128 inputs -> 27 sequences, warning", () => {
    const r = known(computeCapacity({ ...coderH200, maxModelLen: 131_072, maxInputs: 128 }));
    expect(r.kvBytesPerToken).toBe(12_288);
    expect(r.linearStateBytesPerSequence).toBe(39_518_208);
    expect(r.memory.budgetBytes).toBe(135_679_338_086);
    expect(r.kvCacheBytes).toBe(45_064_565_420);
    // one sequence = 131,072 x 12,288 + 39,518,208 = 1,650,130,944 B; 45,064,565,420 / that = 27.3
    expect(r.sequencesAtMaxLen).toBe(27);
    // (45,064,565,420 - 128 x 39,518,208) / 12,288 = 40,006,234,796 / 12,288 = 3,255,715.3
    expect(r.kvCacheTokens).toBe(3_255_715);
    expect(r.tokensPerInputWhenFull).toBe(25_435); // 3,255,715 / 128
    // 128 > 4 x 27 = 108 -> warn
    expect(r.verdict).toBe("warn");
    expect(r.message).toContain("max_inputs 128");
    expect(r.message).toContain("27 sequences");
  });

  it("bf16 KV (auto) at 262144 tokens, 4 inputs -> 6 sequences, ok", () => {
    const r = known(
      computeCapacity({ ...coderH200, kvCacheDtype: "auto", maxModelLen: 262_144, maxInputs: 4 }),
    );
    // per token = 2 x 12 x 2 x 256 x 2 B = 24,576 B
    expect(r.kvBytesPerToken).toBe(24_576);
    // one sequence = 262,144 x 24,576 + 39,518,208 = 6,481,969,152 B; 45,064,565,420 / that = 6.95
    expect(r.sequencesAtMaxLen).toBe(6);
    // (45,064,565,420 - 4 x 39,518,208) / 24,576 = 44,906,492,588 / 24,576 = 1,827,249.5
    expect(r.kvCacheTokens).toBe(1_827_249);
    expect(r.verdict).toBe("ok");
    expect(r.message).toBeUndefined();
  });
});

describe("vlm on one A100-80GB (dense: all 64 layers keep KV)", () => {
  // budget = floor(85,056,798,720 x 0.9) = 76,551,118,848
  // kv = 76,551,118,848 - 35,500,000,000 - 6,055,903,888 - 671,088,640 - 590,558,004 = 33,733,568,316 B
  // per token (fp8) = 2 x 64 x 8 x 128 x 1 B = 131,072 B
  it("32768 tokens, 16 inputs, 2 images -> 7 sequences, ok", () => {
    const r = known(computeCapacity({ ...vlmA100, maxModelLen: 32_768, maxInputs: 16, maxImagesPerPrompt: 2 }));
    expect(r.kvBytesPerToken).toBe(131_072);
    expect(r.linearStateBytesPerSequence).toBe(0);
    expect(r.memory.encoderCacheBytes).toBe(671_088_640);
    expect(r.kvCacheBytes).toBe(33_733_568_316);
    // one sequence = 32,768 x 131,072 = 4,294,967,296 B; 33,733,568,316 / that = 7.85
    expect(r.sequencesAtMaxLen).toBe(7);
    expect(r.kvCacheTokens).toBe(257_366); // 33,733,568,316 / 131,072 = 257,366.2
    expect(r.tokensPerInputWhenFull).toBe(16_085); // 257,366 / 16
    // 16 <= 4 x 7; 2 images x 16,384 = 32,768 tokens <= max_model_len
    expect(r.verdict).toBe("ok");
  });

  it("default deployment (5 images a prompt) warns that maximum-size images overflow max_model_len", () => {
    const r = known(computeCapacity({ ...vlmA100, maxModelLen: 32_768, maxInputs: 16, maxImagesPerPrompt: 5 }));
    // 5 x 16,384 = 81,920 tokens > 32,768
    expect(r.verdict).toBe("warn");
    expect(r.message).toContain("81920 tokens");
    expect(r.sequencesAtMaxLen).toBe(7);
  });
});

describe("refusal", () => {
  it("refuses the coder on an A100-80GB: weights alone exceed the budget", () => {
    // 76,551,118,848 - 82,100,000,000 - ... < 0 -> kv 0
    const r = known(computeCapacity({ ...coderH200, gpu: "A100-80GB", maxModelLen: 131_072, maxInputs: 128 }));
    expect(r.kvCacheBytes).toBe(0);
    expect(r.sequencesAtMaxLen).toBe(0);
    expect(r.verdict).toBe("error");
    expect(r.message).toContain("no memory for the KV cache");
  });

  it("refuses the vlm on an L40S at 32768 tokens: the KV cache holds less than one sequence", () => {
    // budget = 48e9 x 0.9 = 43,200,000,000; kv = 43.2e9 - 35.5e9 - 6,055,903,888 - 671,088,640 - 590,558,004
    //        = 382,449,468 B < one sequence of 4,294,967,296 B
    const r = known(computeCapacity({ ...vlmA100, gpu: "L40S", maxModelLen: 32_768, maxInputs: 16 }));
    expect(r.kvCacheBytes).toBe(382_449_468);
    expect(r.verdict).toBe("error");
    expect(r.message).toContain("cannot hold one sequence of max_model_len 32768");
  });
});

describe("warning on max_inputs far above what fits", () => {
  it(`warns above ${FAR_ABOVE_FACTOR}x and not at it`, () => {
    // L40S at 2048 tokens: one sequence = 2,048 x 131,072 = 268,435,456 B; 382,449,468 / that = 1.4 -> 1
    const base = { ...vlmA100, gpu: "L40S", maxModelLen: 2048 };
    const atLimit = known(computeCapacity({ ...base, maxInputs: FAR_ABOVE_FACTOR }));
    expect(atLimit.sequencesAtMaxLen).toBe(1);
    expect(atLimit.verdict).toBe("ok");
    const above = known(computeCapacity({ ...base, maxInputs: FAR_ABOVE_FACTOR + 1 }));
    expect(above.verdict).toBe("warn");
    // 382,449,468 / 131,072 = 2,917 tokens; / 5 inputs = 583
    expect(above.message).toContain("average only 583 tokens");
  });

  it("warns when gpu_memory_utilization leaves no room for CUDA graphs", () => {
    // 0.995 leaves 0.005 x 150,754,820,096 = 0.75 GB < 1.03 GiB
    const r = known(computeCapacity({ ...coderH200, gpuMemoryUtilization: 0.995, maxModelLen: 8192, maxInputs: 8 }));
    expect(r.verdict).toBe("warn");
    expect(r.message).toContain("CUDA graphs");
  });
});

describe("registry and inputs", () => {
  it("knows exactly the two deployed models", () => {
    expect(knownModel(CODER)).toBe(true);
    expect(knownModel(VLM)).toBe(true);
    expect(knownModel("Qwen/Qwen3-32B")).toBe(false);
  });

  it("says so for an unknown model instead of guessing", () => {
    const r = computeCapacity({ ...coderH200, modelId: "acme/unknown-7b", maxModelLen: 4096, maxInputs: 4 });
    expect(r.known).toBe(false);
    expect(r.verdict).toBe("unknown");
    expect(r.message).toContain("acme/unknown-7b");
  });

  it("lists its assumptions with sources and marks estimates", () => {
    const r = known(computeCapacity({ ...coderH200, maxModelLen: 4096, maxInputs: 4 }));
    expect(r.assumptions.some((a) => a.includes("weightBytes") && a.includes("[estimated"))).toBe(true);
    expect(r.assumptions.some((a) => a.includes("H200 memory") && a.includes("143,771 MiB"))).toBe(true);
  });

  it("splits KV heads across GPUs and replicates them when the GPUs outnumber them", () => {
    // coder has 2 KV heads: on 4 GPUs each holds one replicated head -> 4 stored heads:
    // 2 x 12 x 4 x 256 x 1 B = 24,576 B per token
    const r = known(computeCapacity({ ...coderH200, gpuCount: 4, maxModelLen: 4096, maxInputs: 4 }));
    expect(r.kvBytesPerToken).toBe(24_576);
    // on 2 GPUs: no replication, 12,288 B
    const two = known(computeCapacity({ ...coderH200, gpuCount: 2, maxModelLen: 4096, maxInputs: 4 }));
    expect(two.kvBytesPerToken).toBe(12_288);
  });

  it.each([
    [{ gpuMemoryUtilization: 0 }, /gpuMemoryUtilization/],
    [{ gpuMemoryUtilization: 1.2 }, /gpuMemoryUtilization/],
    [{ maxModelLen: 0 }, /maxModelLen/],
    [{ maxInputs: 1.5 }, /maxInputs/],
    [{ gpuCount: 0 }, /gpuCount/],
    [{ kvCacheDtype: "int4" }, /kv_cache_dtype "int4"/],
    [{ gpu: "V100" }, /unknown GPU type "V100"/],
  ])("rejects %o", (patch, error) => {
    expect(() => computeCapacity({ ...coderH200, maxModelLen: 4096, maxInputs: 4, ...patch })).toThrow(error);
  });
});
