import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../infra/config/resolve";
import { configProblems } from "../support/config";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";

describe("stack config validation", () => {
  it("the defaults are the two deployments of the product", () => {
    const { deployments, settings } = resolveConfig({});
    expect(Object.keys(deployments)).toEqual(["coder", "vlm"]);
    expect(deployments.coder).toMatchObject({
      modelId: "unsloth/Qwen3-Coder-Next-FP8-Dynamic", gpu: "H200", maxModelLen: 131072, kvCacheDtype: "fp8",
      toolCallParser: "qwen3_coder", maxInputs: 128, maxContainers: 1, scaledownWindow: 300, port: 8000, startupTimeout: 600,
    });
    expect(deployments.vlm).toMatchObject({
      // bf16 KV on the A100: its only FP8-KV backend is FlashInfer (tests/vllm, simulated device).
      modelId: "Qwen/Qwen3-VL-32B-Thinking-FP8", gpu: "A100-80GB", maxModelLen: 32768, kvCacheDtype: "auto",
      maxImagesPerPrompt: 5, maxInputs: 16, scaledownWindow: 300, port: 8000, startupTimeout: 600, reasoningParser: "qwen3",
    });
    expect(deployments.vlm.maxContainers).toBeUndefined();
    expect(settings.enabled).toEqual(["coder", "vlm"]);
  });

  it("overrides merge field by field, and a new deployment starts from its role's defaults", () => {
    const { deployments } = resolveConfig({
      deployments: { coder: { maxModelLen: 65536 }, "coder-small": { role: "coder", appName: "qcm-coder-small", gpu: "B200", maxModelLen: 32768 } },
      settings: { enabled: ["coder", "coder-small"] },
    });
    expect(deployments.coder.maxModelLen).toBe(65536);
    expect(deployments.coder.gpu).toBe("H200");
    expect(deployments["coder-small"]).toMatchObject({ ...DEFAULT_DEPLOYMENTS.coder, appName: "qcm-coder-small", gpu: "B200", maxModelLen: 32768 });
  });

  // Each bad input: [what, raw config, expected problem line].
  const cases: [string, Parameters<typeof resolveConfig>[0], RegExp][] = [
    ["unknown GPU type", { deployments: { coder: { gpu: "H300" } } }, /^qwen-code-modal:deployments\.coder\.gpu: got "H300"; must be one of Modal's GPU types: .*H200/],
    ["context that is not a positive integer (fraction)", { deployments: { coder: { maxModelLen: 1.5 } } }, /deployments\.coder\.maxModelLen: got 1\.5; must be a positive integer \(tokens\)/],
    ["context that is not a positive integer (negative)", { deployments: { vlm: { maxModelLen: -32768 } } }, /deployments\.vlm\.maxModelLen: got -32768; must be a positive integer/],
    ["context given as text", { deployments: { vlm: { maxModelLen: "32k" } } }, /deployments\.vlm\.maxModelLen: got "32k"/],
    [">5 images for the VLM", { deployments: { vlm: { maxImagesPerPrompt: 6 } } }, /deployments\.vlm\.maxImagesPerPrompt: got 6; must be at most 5/],
    ["a VLM with no images", { deployments: { vlm: { maxImagesPerPrompt: 0 } } }, /deployments\.vlm\.maxImagesPerPrompt: got 0; a vlm deployment must allow at least 1 image/],
    ["app name Modal would reject", { deployments: { coder: { appName: "my coder!" } } }, /deployments\.coder\.appName: got "my coder!"; may contain only letters, digits/],
    ["app name shaped like an app id", { deployments: { coder: { appName: "ap-abcdefghijklmnopqrstuv" } } }, /appName: got "ap-abcdefghijklmnopqrstuv"; must not look like a Modal app id/],
    ["app name over 64 characters", { deployments: { coder: { appName: "a".repeat(65) } } }, /appName: got "a{65}"; must be at most 64 characters/],
    ["label Modal would reject", { deployments: { coder: { label: "Coder_Label" } } }, /deployments\.coder\.label: got "Coder_Label"; must be 1-63 lowercase/],
    ["scaledown window outside Modal's 2-3600 s", { deployments: { coder: { scaledownWindow: 7200 } } }, /deployments\.coder\.scaledownWindow: got 7200; Too big/],
    ["extra arg that overrides a managed flag", { deployments: { coder: { extraVllmArgs: ["--max-model-len=9"] } } }, /extraVllmArgs\.0: .*--max-model-len is set from its own config field/],
    // Spellings vLLM's parser reads as a managed flag (infra/config/vllm-flags.ts; tests/vllm checks each against vLLM).
    ["a managed flag with underscores and =", { deployments: { coder: { extraVllmArgs: ["--max_model_len=999999"] } } }, /extraVllmArgs\.0: got "--max_model_len=999999"; --max-model-len \(vLLM reads --max_model_len as it\) is set from its own config field/],
    ["a managed flag as a short alias", { deployments: { coder: { extraVllmArgs: ["-tp", "4"] } } }, /extraVllmArgs\.0: got "-tp"; -tp is set from its own config field/],
    ["a managed JSON flag as a dotted sub-key", { deployments: { vlm: { extraVllmArgs: ["--limit-mm-per-prompt.image=50"] } } }, /extraVllmArgs\.0: got "--limit-mm-per-prompt\.image=50"; --limit-mm-per-prompt \(vLLM reads --limit-mm-per-prompt\.image as it\) is set from its own config field/],
    ["the served model name with underscores", { deployments: { coder: { extraVllmArgs: ["--served_model_name=x"] } } }, /extraVllmArgs\.0: .*--served-model-name .*is set from its own config field/],
    ["a managed flag abbreviated (argparse prefix)", { deployments: { coder: { extraVllmArgs: ["--max-model", "5"] } } }, /extraVllmArgs\.0: got "--max-model"; --max-model-len \(vLLM reads --max-model as it\) is set from its own config field/],
    ["--api-key (would lock out every client)", { deployments: { coder: { extraVllmArgs: ["--api-key", "k"] } } }, /extraVllmArgs\.0: got "--api-key"; --api-key is refused: vLLM would demand its own API key and refuse every client/],
    ["--api_key=... (underscore spelling)", { deployments: { coder: { extraVllmArgs: ["--api_key=k"] } } }, /extraVllmArgs\.0: .*--api-key \(vLLM reads --api_key as it\) is refused/],
    ["--config (flags from a file past these checks)", { deployments: { coder: { extraVllmArgs: ["--config", "/x.yaml"] } } }, /extraVllmArgs\.0: .*--config is refused/],
    ["--enforce-eager (set compileCache instead)", { deployments: { coder: { extraVllmArgs: ["--enforce_eager"] } } }, /extraVllmArgs\.0: .*--enforce-eager .*is refused: set compileCache: false instead/],
    ["a flag vLLM 0.33.0 does not have", { deployments: { coder: { extraVllmArgs: ["--no-such-flag"] } } }, /extraVllmArgs\.0: got "--no-such-flag"; --no-such-flag is not a vllm serve flag in vLLM 0\.33\.0/],
    // Past the model's native context (max_position_embeddings; vLLM refuses it too, tests/vllm).
    ["a context one token past the coder's native 262,144", { deployments: { coder: { maxModelLen: 262_145 } } }, /^qwen-code-modal:deployments\.coder\.maxModelLen: got 262145; exceeds unsloth\/Qwen3-Coder-Next-FP8-Dynamic's native context of 262144 tokens \(max_position_embeddings\): use at most 262144/],
    ["a context of 300,000 on the coder", { deployments: { coder: { maxModelLen: 300_000 } } }, /coder\.maxModelLen: got 300000; exceeds .*native context of 262144 tokens/],
    ["a context of 10,000,000 on 8 GPUs", { deployments: { coder: { maxModelLen: 10_000_000, gpuCount: 8 } } }, /coder\.maxModelLen: got 10000000; exceeds .*native context/],
    ["unknown deployment field (typo)", { deployments: { coder: { maxModelLength: 1 } } }, /deployments\.coder\.maxModelLength: unknown key; remove it/],
    ["unknown tool-call parser", { deployments: { coder: { toolCallParser: "qwen3-coder" } } }, /toolCallParser: got "qwen3-coder"; Invalid option: expected one of "qwen3_coder"/],
    ["GPU memory utilization above 1", { deployments: { coder: { gpuMemoryUtilization: 1.2 } } }, /gpuMemoryUtilization: got 1\.2; Too big/],
    ["enabled names a deployment that does not exist", { settings: { enabled: ["coder", "embedder"] } }, /qwen-code-modal:enabled: got "embedder"; must name deployments among coder, vlm/],
    // What `pulumi config set --path 'qwen-code-modal:enabled[2]' image-edit` stores on a fresh stack (pulumi 3.274.1).
    ["enabled with null entries (a --path index set on a stack that never set enabled)", { settings: { enabled: [null, null, "image-edit"] as unknown as string[] } }, /^qwen-code-modal:enabled\.0: got null; must name deployments among coder, vlm, image-edit; set the whole list, e\.g\. pulumi config set qwen-code-modal:enabled '\["coder","vlm","image-edit"\]'$/],
    ["workspace that is not a DNS label", { settings: { workspace: "My_Workspace" } }, /^qwen-code-modal:workspace: got "My_Workspace"/],
    ["coder and vlm with one served model name", { deployments: { vlm: { servedModelName: "qwen3-coder-next" } } }, /^qwen-code-modal:deployments\.vlm\.servedModelName: got "qwen3-coder-next"; already served by deployment coder \(coder\): clients pick a model by this name/],
    ["an unknown stack-wide key, named by its own key path", { settings: { budgett: { usdPerMonth: 5 } } }, /^qwen-code-modal:budgett: unknown key; remove it/],
    ["two deployments with one app name", { deployments: { vlm: { appName: "qcm-coder" } } }, /deployments\.vlm\.appName: got "qcm-coder"; already used by deployment coder/],
    ["new deployment without a role", { deployments: { extra: { gpu: "H100" } } }, /deployments\.extra\.role: got nothing; a new deployment must set role/],
    ["a deployment whose weights do not fit the GPU (capacity)", { deployments: { coder: { gpu: "L40S" } } }, /^qwen-code-modal:deployments\.coder\.maxModelLen: got 131072; does not fit on 1x L40S: weights and vLLM's reservations leave no memory for the KV cache; lower max_model_len, use a larger GPU/],
    ["a context that cannot fit once in the KV cache (capacity)", { deployments: { vlm: { maxModelLen: 262_144, kvCacheDtype: "auto" } } }, /^qwen-code-modal:deployments\.vlm\.maxModelLen: got 262144; does not fit on 1x A100-80GB: the KV cache \([\d.]+ GB\) cannot hold one sequence of max_model_len 262144 tokens/],
    ["an unknown cold-start mode", { deployments: { vlm: { coldStart: "warm" } } }, /deployments\.vlm\.coldStart: got "warm"; Invalid option: expected one of "image"\|"volume"\|"snapshot"/],
    ["a GPU rate for a GPU Modal does not have", { settings: { gpuRatesUsdPerSecond: { H300: 0.001 } } }, /^qwen-code-modal:gpuRatesUsdPerSecond\.H300: got 0\.001; H300 is not a Modal GPU type; keys must be one of T4, /],
    ["a GPU fallback list with an unknown type", { deployments: { coder: { gpu: ["H200", "H300"] } } }, /^qwen-code-modal:deployments\.coder\.gpu\.1: got "H300"; must be one of Modal's GPU types/],
    ["a GPU fallback list naming a type twice", { deployments: { coder: { gpu: ["H200", "B200", "H200"] } } }, /^qwen-code-modal:deployments\.coder\.gpu\.2: got "H200"; H200 is already listed/],
    ["an empty GPU list", { deployments: { coder: { gpu: [] } } }, /^qwen-code-modal:deployments\.coder\.gpu: got \[\]; must list at least one GPU type/],
    ["a GPU given as a number", { deployments: { coder: { gpu: 8 } } }, /^qwen-code-modal:deployments\.coder\.gpu: got 8; must be a Modal GPU type or a list of them/],
    ["a GPU fallback the deployment does not fit (capacity, each option)", { deployments: { vlm: { gpu: ["A100-80GB", "L40S"] } } }, /^qwen-code-modal:deployments\.vlm\.maxModelLen: got 32768; does not fit on 1x L40S: the KV cache/],
    ["a budget that is not positive", { settings: { budget: { usdPerMonth: 0 } } }, /^qwen-code-modal:budget\.usdPerMonth: got 0; must be a positive amount of USD per month/],
    ["a budget usage profile over 24 hours a day", { settings: { budget: { usdPerMonth: 100, warmHoursPerDay: 30 } } }, /^qwen-code-modal:budget\.warmHoursPerDay: got 30; Too big/],
    ["model id that is not owner/name", { deployments: { coder: { modelId: "Qwen3-Coder" } } }, /modelId: got "Qwen3-Coder"; must be a Hugging Face repo id/],
  ];
  it.each(cases)("rejects %s with the key path, the bad value and what is allowed", (_what, raw, expected) => {
    const found = configProblems(raw);
    expect(found.some((p) => expected.test(p)), `problems were:\n${found.join("\n")}`).toBe(true);
  });

  it("accepts extra args vLLM 0.33 reads as unmanaged flags, in any of its spellings", () => {
    const { deployments } = resolveConfig({
      deployments: { coder: { extraVllmArgs: ["--disable-log-requests", "--max_num_batched_tokens=8192", "--enable-chunked-prefill", "-O3", "--compilation-config.mode", "3"] } },
    });
    expect(deployments.coder.extraVllmArgs).toHaveLength(6);
  });

  it("reports every problem at once, not just the first", () => {
    expect(configProblems({ deployments: { coder: { gpu: "X", maxModelLen: 0 }, vlm: { maxImagesPerPrompt: 9 } } })).toHaveLength(3);
  });
});
