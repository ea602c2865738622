import { describe, expect, it } from "vitest";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig, ConfigError } from "../../infra/config/resolve";
import { DEFAULT_IMAGE_EDIT_DEPLOYMENTS, DEFAULT_DIFFUSERS_VERSION } from "../../infra/config/image-edit-schema";
import { prepareDeployments } from "../../infra/prepare";
import { runModalCheck } from "../../infra/check/modal-check";
import { compareImageEditWithConfig } from "../../infra/check/image-edit-check";
import { imageEditRequirements, renderImageEditShim } from "../../infra/render/image-edit-shim";
import { writeShims } from "../../infra/render/write";
import { pyLiteral, PYTHON } from "../support/python";

const imageEdit = DEFAULT_IMAGE_EDIT_DEPLOYMENTS["image-edit"];
const withImageEdit = (deployment: Record<string, unknown> = {}) =>
  resolveConfig({ settings: { enabled: ["coder", "vlm", "image-edit"] }, deployments: { "image-edit": deployment } });

describe("image-edit deployment: config", () => {
  it("is defined but not enabled by default (a 20B diffusion model on an H100 costs money)", () => {
    const config = resolveConfig({});
    expect(Object.keys(config.deployments)).toEqual(["coder", "vlm"]);
    expect(config.imageEdits).toEqual({});
    expect(Object.keys(withImageEdit().imageEdits)).toEqual(["image-edit"]);
  });

  it("refuses a GPU that cannot hold the pipeline, naming the key, the value and the fix", () => {
    for (const gpu of ["L40S", "A100-40GB", "L4"]) {
      const error = (() => {
        try {
          withImageEdit({ gpu });
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error(`accepted ${gpu}`);
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(`qwen-code-modal:deployments.image-edit.gpu: got "${gpu}"`);
      expect(error.message).toMatch(/needs ~\d+\.\d GiB .* use an 80 GB or larger GPU/);
    }
    expect(withImageEdit({ gpu: "A100-80GB" }).imageEdits["image-edit"].gpu).toBe("A100-80GB");
  });

  it("rejects vLLM fields, snapshot cold starts and a one-image pipeline asked for two images", () => {
    expect(() => withImageEdit({ maxModelLen: 4096 })).toThrow(/deployments\.image-edit\.maxModelLen: unknown key; remove it/);
    expect(() => withImageEdit({ coldStart: "snapshot" })).toThrow(/deployments\.image-edit\.coldStart: got "snapshot"/);
    expect(() => withImageEdit({ pipelineClass: "QwenImageEditPipeline" })).toThrow(/maxInputImages: got 2; QwenImageEditPipeline takes one image/);
    expect(() => withImageEdit({ steps: 150 })).toThrow(/image-edit\.steps: got 150/);
    // A new name with role image-edit starts from the image-edit defaults.
    const second = resolveConfig({ settings: { enabled: ["edit2"] }, deployments: { edit2: { role: "image-edit", appName: "qcm-edit2" } } });
    expect(second.imageEdits.edit2).toMatchObject({ modelId: "Qwen/Qwen-Image-Edit-2511", appName: "qcm-edit2" });
  });

  it("pins diffusers to the version the requirements file (and so the CPU test venv) installs", () => {
    expect(imageEditRequirements(DEFAULT_DIFFUSERS_VERSION)).toContain(`diffusers==${DEFAULT_DIFFUSERS_VERSION}`);
    expect(imageEditRequirements("0.40.0")).toContain("diffusers==0.40.0");
    expect(imageEditRequirements(DEFAULT_DIFFUSERS_VERSION).every((r) => /^[A-Za-z0-9_.-]+==[\w.]+$/.test(r))).toBe(true);
  });
});

describe("image-edit shim checked by the real modal SDK (offline, no credentials)", () => {
  it("three apps render and check; Modal sees the GPU class with max_inputs=1, the proxy-auth'd ASGI app and the cleanup schedule", async () => {
    const prepared = await prepareDeployments(withImageEdit(), { python: PYTHON });
    expect(prepared.deployments.map((p) => p.name)).toEqual(["coder", "vlm"]);
    expect(prepared.imageEdits.map((p) => p.name)).toEqual(["image-edit"]);
    expect(prepared.imageEdits[0].report).toEqual({
      app_name: "qcm-image-edit",
      servers: {
        Editor: {
          kind: "class", gpus: ["H100"], secrets: 0, volumes: ["/results"], web_servers: {}, methods: ["edit"],
          lifecycle: { enter_snap: [], enter_restore: ["load"], exit: [] },
        },
        serve: { kind: "function", gpus: null, secrets: 0, volumes: ["/results"], web_servers: { serve: { asgi: true, requires_proxy_auth: true, label: null } } },
        cleanup: { kind: "function", gpus: null, secrets: 0, volumes: ["/results"], web_servers: {} },
      },
      deploy_time: {
        Editor: { timeout: 900, scaledown_window: 300, max_inputs: 1 },
        serve: { timeout: 170, scaledown_window: 60, max_inputs: 32 },
        cleanup: { timeout: 300, schedule: { non_literal: "modal.Period(minutes=10)" } },
      },
    });
  });

  it("volume cold start, an API-key secret for qwen-code's image_gen, HF secret and a label: all seen by Modal", async () => {
    const d = { ...imageEdit, coldStart: "volume" as const, imageApiKeySecret: "qcm-image-key", hfSecretName: "hf", label: "my-edits", maxContainers: 2 };
    const dir = await mkdtemp(join(tmpdir(), "qcm-image-shim-"));
    const [path] = await writeShims(dir, [renderImageEditShim("image-edit", d)]);
    const report = (await runModalCheck([path], PYTHON)).shims[path];
    expect(compareImageEditWithConfig(report, d)).toEqual([]);
    expect(report).toMatchObject({
      servers: {
        images: { web_servers: { images: { asgi: true, requires_proxy_auth: false, label: null } }, secrets: 1 },
        serve: { web_servers: { serve: { asgi: true, requires_proxy_auth: true, label: "my-edits" } } },
        Editor: { volumes: ["/results", "/root/.cache/huggingface"], secrets: 1 },
      },
    });
    // A report that differs from the config is caught.
    expect(compareImageEditWithConfig(report, { ...d, gpu: "H200" })).toEqual([`Editor gpus: modal sees ["H100"], config says ["H200"]`]);
    const source = await readFile(path, "utf8");
    expect(source).not.toContain("MODEL_DIR =");
    expect(source).toContain('load_pipeline(MODEL_ID, "cuda", revision=MODEL_REVISION)');
  });

  it("renders the pipeline defaults from the model card as Python literals", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-image-shim-"));
    const [path] = await writeShims(dir, [renderImageEditShim("image-edit", imageEdit)]);
    const literal = async (name: string) => (await pyLiteral(path, name)).value;
    expect(await literal("PIPELINE_CLASS")).toBe("QwenImageEditPlusPipeline");
    expect(await literal("DEFAULT_STEPS")).toBe(40);
    expect(await literal("TRUE_CFG_SCALE")).toBe(4);
    expect(await literal("MAX_INPUT_IMAGES")).toBe(2);
    expect(await literal("JOBS_DICT")).toBe("qcm-image-edit-jobs");
    const source = await readFile(path, "utf8");
    expect(source).toContain(`"diffusers==${DEFAULT_DIFFUSERS_VERSION}"`);
    expect(source).toContain('"torch==2.14.0"');
    expect(source).toMatch(/@app\.cls\(.*gpu="H100".*\)\n@modal\.concurrent\(max_inputs=1\)\nclass Editor:/);
  });
});
