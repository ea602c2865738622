/**
 * The VLM's default bounds every image server-side (`maxImagePixels` → `--mm-processor-kwargs
 * {"max_pixels": N}`), so any client's 4K screenshot fits its context: checked with the real vLLM
 * 0.33.0 — its parser reads the rendered shim's flag as that JSON, and its Qwen-VL size resolution
 * plus transformers' smart_resize (tests/vllm/qwen3_vl_image_tokens.py) give the tokens per image.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../infra/config/resolve";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { MODEL_REGISTRY } from "../../infra/capacity/models";
import { computeCapacity } from "../../infra/capacity";
import { runVllmCheck, simulatedDevice } from "../../infra/check/vllm-check";
import { renderShim } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { DEFAULT_MAX_OUTPUT_TOKENS } from "../../mcp/src/config";
import { skipWithoutVllm, VLLM, VLLM_VARS } from "../support/vllm";

const skip = skipWithoutVllm();
const vlm = resolveConfig({}).deployments.vlm;
const vision = MODEL_REGISTRY[vlm.modelId]!.vision!;
/** Qwen3-VL's processor sizes: its largest image is maxTokensPerImage tokens of pixelsPerToken px (infra/capacity/models.ts). */
const DEFAULT_SIZE = { shortest_edge: 65_536, longest_edge: vision.maxTokensPerImage * vision.pixelsPerToken };

type Sized = { width: number; height: number; resized: [number, number]; tokens: number };
async function tokensOf(sizes: [number, number][], mmKwargs: Record<string, number>): Promise<Sized[]> {
  const { stdout } = await execa(VLLM.python, [join(__dirname, "qwen3_vl_image_tokens.py"), JSON.stringify({ sizes, mm_kwargs: mmKwargs, default_size: DEFAULT_SIZE })], {
    env: { PATH: VLLM_VARS.PATH ?? "", HOME: VLLM_VARS.HOME ?? "", HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", VLLM_LOGGING_LEVEL: "ERROR" },
    extendEnv: false,
    timeout: 180_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Sized[];
}

describe.skipIf(skip)("the VLM bounds image size server-side (real vLLM 0.33.0)", () => {
  let bounded: Sized[];
  let unbounded: Sized[];
  beforeAll(async () => {
    const sizes: [number, number][] = [[3840, 2160], [7680, 4320], [2160, 3840], [1920, 1080]];
    bounded = await tokensOf(sizes, { max_pixels: vlm.maxImagePixels! });
    unbounded = await tokensOf(sizes, {});
  }, 300_000);

  it("vLLM's parser reads the rendered shim's --mm-processor-kwargs as {max_pixels: 4194304}", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-vlm-pixels-"));
    const [path] = await writeShims(dir, [renderShim("vlm", vlm)]);
    const output = await runVllmCheck(VLLM, { A100: simulatedDevice("A100-80GB", 1) }, [{ id: "vlm", device: "A100", shim: path, fields: ["mm_processor_kwargs"] }], VLLM_VARS);
    expect(output.cases.vlm.ok, JSON.stringify(output.cases.vlm)).toBe(true);
    expect(output.cases.vlm.parsed?.mm_processor_kwargs).toEqual({ max_pixels: 4_194_304 });
    expect(DEFAULT_DEPLOYMENTS.vlm.maxImagePixels).toBe(4_194_304);
  }, 300_000);

  it("a 4K (and an 8K, and a portrait 4K) screenshot becomes 2720x1536 px, 4,080 tokens; five of them and the answer fit 32,768", () => {
    for (const r of bounded.slice(0, 3)) expect(r.tokens).toBe(4_080);
    expect(bounded[0].resized).toEqual([2720, 1536]);
    expect(bounded[2].resized).toEqual([1536, 2720]);
    // A full-HD screenshot is under the bound: left at its size (rounded to 32 px).
    expect(bounded[3]).toMatchObject({ resized: [1920, 1088], tokens: 2_040 });
    expect(vlm.maxImagesPerPrompt * Math.max(...bounded.map((r) => r.tokens)) + DEFAULT_MAX_OUTPUT_TOKENS).toBeLessThanOrEqual(vlm.maxModelLen);
    // Without the bound, the 8K screenshot takes the processor's largest size: five would not fit.
    expect(unbounded[1].tokens).toBeGreaterThan(vlm.maxModelLen / vlm.maxImagesPerPrompt);
  });

  it("plan's capacity no longer warns that maximum-size images overflow the context; without the bound it does", () => {
    const withBound = computeCapacity({ ...vlm, gpu: "A100-80GB" });
    expect(withBound.known && withBound.message ? withBound.message : "").not.toMatch(/maximum-size images/);
    const { maxImagePixels: _, ...without } = vlm;
    const noBound = computeCapacity({ ...without, gpu: "A100-80GB" });
    expect(noBound.known && noBound.message).toMatch(/maximum-size images can take 81920 tokens, more than max_model_len 32768; such prompts are rejected: bound images server-side with maxImagePixels/);
  });
});
