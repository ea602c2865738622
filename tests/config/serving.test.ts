import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../infra/config/resolve";
import { configProblems } from "../support/config";
import { vllmArgs } from "../../infra/render/vllm-args";
import { deploymentColdStart } from "../../infra/render/shim";
import { estimateServing, tokensPerStep } from "../../infra/plan/serving-estimates";

const argsOf = (raw: Parameters<typeof resolveConfig>[0], name = "coder") => {
  const d = resolveConfig(raw).deployments[name];
  return vllmArgs(d, deploymentColdStart(d));
};

/** The value after a flag in an argv list. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe("serving settings: prefix caching, speculative decoding, sampling defaults", () => {
  it("the coder renders prefix caching on and Qwen's sampling defaults, as vLLM's JSON", () => {
    const args = argsOf({});
    expect(args).toContain("--enable-prefix-caching");
    expect(after(args, "--generation-config")).toBe("auto");
    expect(JSON.parse(after(args, "--override-generation-config"))).toEqual({ temperature: 1, top_p: 0.95, top_k: 40, min_p: 0.01 });
    expect(args).not.toContain("--speculative-config");
    // The vlm keeps its checkpoint's generation_config.json and vLLM's prefix-caching default.
    const vlm = argsOf({}, "vlm");
    expect(vlm).not.toContain("--override-generation-config");
    expect(vlm).not.toContain("--enable-prefix-caching");
  });

  it("renders opt-in MTP, a match unit, the shared-prefix checkpoint and overridden sampling", () => {
    const args = argsOf({
      deployments: {
        coder: {
          speculativeDecoding: { method: "mtp", tokens: 2 },
          prefixCaching: { enabled: true, matchUnit: 64, sharedPrefixCheckpoint: true },
          samplingDefaults: { base: "vllm", temperature: 0.7 },
        },
      },
    });
    expect(JSON.parse(after(args, "--speculative-config"))).toEqual({ method: "mtp", num_speculative_tokens: 2 });
    expect(after(args, "--prefix-match-unit")).toBe("64");
    expect(args).toContain("--enable-mamba-shared-prefix-checkpoint");
    expect(after(args, "--generation-config")).toBe("vllm");
    expect(JSON.parse(after(args, "--override-generation-config"))).toEqual({ temperature: 0.7 });
  });

  it("turns prefix caching off explicitly", () => {
    const args = argsOf({ deployments: { coder: { prefixCaching: { enabled: false } } } });
    expect(args).toContain("--no-enable-prefix-caching");
    expect(args).not.toContain("--enable-prefix-caching");
  });

  it("refuses what vLLM would refuse or ignore, naming the field and the fix", () => {
    expect(configProblems({ deployments: { coder: { speculativeDecoding: { method: "qwen3_next_mtp", tokens: 2 } } } }).join("\n")).toMatch(
      /deployments\.coder\.speculativeDecoding\.method: .*must be "mtp"/,
    );
    expect(configProblems({ deployments: { coder: { speculativeDecoding: { method: "mtp", tokens: 0 } } } }).join("\n")).toMatch(/speculativeDecoding\.tokens/);
    expect(configProblems({ deployments: { vlm: { speculativeDecoding: { method: "mtp", tokens: 1 } } } }).join("\n")).toMatch(
      /vlm\.speculativeDecoding\.method: .*Qwen3-VL-32B-Thinking-FP8 has no MTP layer/,
    );
    expect(configProblems({ deployments: { coder: { prefixCaching: { enabled: true, matchUnit: 128 } } } }).join("\n")).toMatch(/prefixCaching\.matchUnit/);
    expect(configProblems({ deployments: { coder: { prefixCaching: { enabled: true, sharedPrefixCheckpoint: true } } } }).join("\n")).toMatch(
      /sharedPrefixCheckpoint: got true; takes effect only with speculativeDecoding \(MTP\) and a matchUnit/,
    );
    expect(configProblems({ deployments: { coder: { prefixCaching: { enabled: false, matchUnit: 16 } } } }).join("\n")).toMatch(/need prefix caching/);
    expect(configProblems({ deployments: { coder: { samplingDefaults: { base: "model", topP: 0 } } } }).join("\n")).toMatch(/samplingDefaults\.topP/);
    for (const flag of ["--speculative-config", "--override-generation-config", "--enable-prefix-caching", "--prefix-match-unit"]) {
      expect(configProblems({ deployments: { coder: { extraVllmArgs: [flag, "x"] } } }).join("\n")).toMatch(/is set from its own config field/);
    }
  });

  it("estimates memory and gains for the plan from the model registry and vLLM's sizing rules", () => {
    const base = resolveConfig({}).deployments.coder;
    const s = estimateServing(base);
    // GDN state: 36 layers x (3 x 8192 conv + 32 x 128 x 128 recurrent) x 2 bytes.
    expect(s.prefixCaching.mambaStateBytesPerCheckpoint).toBe(36 * (3 * 8192 + 32 * 128 * 128) * 2);
    // One state page per layer (1,097,728 B) over 1,024 B/token per FP8 attention layer: 1,072 (16-aligned) or 1,088 (64-aligned).
    expect(s.prefixCaching.blockTokens).toEqual([1072, 1088]);
    expect(s.speculativeDecoding.enabled).toBe(false);
    const mtp = estimateServing(resolveConfig({ deployments: { coder: { speculativeDecoding: { method: "mtp", tokens: 2 } } } }).deployments.coder);
    expect(mtp.speculativeDecoding.extraKvBytesPerToken).toBe(1024);
    expect(mtp.speculativeDecoding.extraWeightBytes).toBeCloseTo(82.1e9 / 48, -6);
    // Two draft tokens widen the conv state: 36 x 2 x 8192 x 2 bytes more per checkpoint.
    expect(mtp.prefixCaching.mambaStateBytesPerCheckpoint! - s.prefixCaching.mambaStateBytesPerCheckpoint!).toBe(36 * 2 * 8192 * 2);
    // vLLM 0.33's MambaSpec gives 1,130,496 B per layer with 2 draft tokens (docs/agent-endpoints.md): 16 x 69 or 64 x 18 tokens.
    expect(mtp.prefixCaching.mambaStateBytesPerCheckpoint! / 36).toBe(1_130_496);
    expect(mtp.prefixCaching.blockTokens).toEqual([1104, 1152]);
    expect(mtp.speculativeDecoding.summary).toMatch(/MTP weights in unsloth\/Qwen3-Coder-Next-FP8-Dynamic: unconfirmed/);
    expect(tokensPerStep(0.8, 2)).toBeCloseTo(1 + 0.8 + 0.64);
  });
});
