import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, writeFile, copyFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../infra/config/resolve";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { prepareDeployments } from "../../infra/prepare";
import { compareWithConfig, runModalCheck } from "../../infra/check/modal-check";
import { GENERATED_MARKER, renderShim, shimInputsHash } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { shimsDir } from "../../infra/core/paths";
import { pyLiteral, PYTHON } from "../support/python";
import { runCli } from "../support/cli";

describe("shims checked by the real modal SDK (offline, no credentials)", () => {
  it("both default shims import and Modal sees exactly what the config asks for", async () => {
    const { modalVersion, deployments } = await prepareDeployments(resolveConfig({}), { python: PYTHON });
    expect(modalVersion).toBe("1.6.4");
    const [coder, vlm] = deployments;
    expect(coder.report).toEqual({
      app_name: "qcm-coder",
      servers: {
        serve: {
          kind: "function", gpus: ["H200"], secrets: 0, volumes: ["/root/.cache/flashinfer", "/root/.cache/vllm"],
          web_servers: { serve: { port: 8000, startup_timeout: 600, requires_proxy_auth: true, label: null } },
        },
      },
      deploy_time: { serve: { timeout: 1800, scaledown_window: 300, max_containers: 1, max_inputs: 128 } },
    });
    expect(vlm.report).toMatchObject({
      app_name: "qcm-vlm",
      servers: { serve: { kind: "function", gpus: ["A100-80GB"], web_servers: { serve: { port: 8000, startup_timeout: 600, requires_proxy_auth: true } } } },
      deploy_time: { serve: { timeout: 1800, scaledown_window: 300, max_inputs: 16 } },
    });
    expect(vlm.report).not.toHaveProperty("deploy_time.serve.max_containers");
  });

  it("renders the vLLM flags current vLLM accepts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-shim-"));
    const [coderPath, vlmPath] = await writeShims(dir, [renderShim("coder", DEFAULT_DEPLOYMENTS.coder), renderShim("vlm", DEFAULT_DEPLOYMENTS.vlm)]);
    const coderArgs = (await pyLiteral(coderPath, "VLLM_ARGS")).value as string[];
    const vlmArgs = (await pyLiteral(vlmPath, "VLLM_ARGS")).value as string[];
    const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
    expect(after(coderArgs, "--max-model-len")).toBe("131072");
    expect(after(coderArgs, "--kv-cache-dtype")).toBe("fp8");
    expect(coderArgs).toContain("--enable-auto-tool-choice");
    expect(after(coderArgs, "--tool-call-parser")).toBe("qwen3_coder");
    expect(after(coderArgs, "--served-model-name")).toBe("qwen3-coder-next");
    expect(after(vlmArgs, "--max-model-len")).toBe("32768");
    expect(JSON.parse(after(vlmArgs, "--limit-mm-per-prompt"))).toEqual({ image: 5, video: 0 });
    expect(after(vlmArgs, "--reasoning-parser")).toBe("qwen3");
    for (const args of [coderArgs, vlmArgs]) {
      expect(args).not.toContain("--disable-log-requests");
      expect(args.join(" ")).not.toMatch(/image=\d/);
    }
    const source = await readFile(vlmPath, "utf8");
    expect(source).toContain('.uv_pip_install("vllm==0.33.0")');
    expect(source).toContain("snapshot_download(MODEL_ID, revision=MODEL_REVISION, local_dir=MODEL_DIR)");
    expect(source).toMatch(/@app\.function\(.*\)\n@modal\.concurrent\(max_inputs=16\)\n@modal\.web_server\(port=VLLM_PORT, startup_timeout=600, requires_proxy_auth=True\)\ndef serve\(\)/);
  });

  it("weights in a Modal Volume: the volume is mounted and vLLM downloads the pinned revision", async () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const config = resolveConfig({ deployments: { vlm: { coldStart: "volume", modelRevision: commit, hfSecretName: "huggingface-secret" } } });
    const { deployments } = await prepareDeployments(config, { python: PYTHON });
    const vlm = deployments.find((d) => d.name === "vlm")!;
    expect(vlm.report).toMatchObject({ servers: { serve: { volumes: ["/root/.cache/flashinfer", "/root/.cache/huggingface", "/root/.cache/vllm"], secrets: 1 } } });
    expect(vlm.shim.source).not.toContain("run_function(download_weights");
    expect(vlm.shim.source).toContain(`"--revision", "${commit}"`);
  });

  it("is deterministic and records the hash of its inputs in the header", () => {
    const a = renderShim("coder", DEFAULT_DEPLOYMENTS.coder);
    expect(renderShim("coder", { ...DEFAULT_DEPLOYMENTS.coder }).source).toBe(a.source);
    expect(a.source.split("\n").slice(0, 3)).toEqual([
      `${GENERATED_MARKER} from its stack config: do not edit, run \`npm run render\`.`,
      "# deployment: coder",
      `# inputs-sha256: ${shimInputsHash("coder", DEFAULT_DEPLOYMENTS.coder)}`,
    ]);
    expect(renderShim("coder", { ...DEFAULT_DEPLOYMENTS.coder, maxInputs: 64 }).inputsHash).not.toBe(a.inputsHash);
  });

  it("escapes hostile values: an extra arg cannot inject Python", async () => {
    const marker = join(tmpdir(), `qcm-injected-${process.pid}`);
    const hostile = `--chat-template="]; import os; os.system('touch ${marker}') #\\`;
    const config = resolveConfig({ deployments: { coder: { extraVllmArgs: [hostile, "--tokenizer-mode='''"] } }, settings: { enabled: ["coder"] } });
    const dir = await mkdtemp(join(tmpdir(), "qcm-shim-"));
    const { deployments } = await prepareDeployments(config, { python: PYTHON, write: true, dir });
    const path = join(dir, "coder.py");
    const parsed = await pyLiteral(path, "VLLM_ARGS");
    expect((parsed.value as string[]).slice(-2)).toEqual([hostile, "--tokenizer-mode='''"]);
    const clean = await pyLiteral(join(shimsDir(), "coder.py"), "VLLM_ARGS");
    expect(parsed.statements).toEqual(clean.statements);
    expect(existsSync(marker)).toBe(false);
    expect(deployments[0].report).toMatchObject({ app_name: "qcm-coder" });
  });

  it("renders a GPU fallback list as gpu=[...] in order, which the real modal SDK registers as is (snapshot class too)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-shim-"));
    for (const coldStart of ["image", "snapshot"] as const) {
      const d = { ...DEFAULT_DEPLOYMENTS.coder, gpu: ["H200", "B200"], gpuCount: 2, coldStart };
      const shim = renderShim("coder", d);
      expect(shim.source).toContain('gpu=["H200:2", "B200:2"]');
      const [path] = await writeShims(dir, [shim]);
      const { shims } = await runModalCheck([path], PYTHON);
      expect(compareWithConfig(shims[path], d)).toEqual([]);
      const swapped = { ...d, gpu: ["B200", "H200"] };
      expect(compareWithConfig(shims[path], swapped)).toEqual(['gpus: modal sees ["H200:2","B200:2"], config says ["B200:2","H200:2"]']);
    }
  });

  it("reports a shim whose Modal view differs from the config", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-shim-"));
    const shim = renderShim("coder", DEFAULT_DEPLOYMENTS.coder);
    const [path] = await writeShims(dir, [{ ...shim, source: shim.source.replace('gpu="H200"', 'gpu="H100"').replace("requires_proxy_auth=True", "requires_proxy_auth=False") }]);
    const { shims } = await runModalCheck([path], PYTHON);
    expect(compareWithConfig(shims[path], DEFAULT_DEPLOYMENTS.coder)).toEqual([
      'gpus: modal sees ["H100"], config says ["H200"]',
      "proxy auth: modal sees false, config says true",
    ]);
    const [broken] = await writeShims(dir, [{ ...shim, name: "broken", source: shim.source.replace("port=VLLM_PORT", "port=70000") }]);
    expect(compareWithConfig((await runModalCheck([broken], PYTHON)).shims[broken], DEFAULT_DEPLOYMENTS.coder)[0]).toMatch(/^modal could not import the shim: InvalidError: First argument of `@web_server` must be a local port/);
  });
});

describe("committed shims (python-shims/)", () => {
  it("are up to date with the renderer and the default config", async () => {
    const result = await runCli(["render", "--check"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("shims up to date: coder, vlm, control");
    expect(result.exitCode).toBe(0);
  });

  it("a stale shim is detected", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-stale-"));
    await copyFile(join(shimsDir(), "coder.py"), join(dir, "coder.py"));
    await writeFile(join(dir, "vlm.py"), (await readFile(join(shimsDir(), "vlm.py"), "utf8")).replace("max_inputs=16", "max_inputs=8"));
    const result = await runCli(["render", "--check", "--out", dir]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`stale shims (run \`npm run render\` and commit them):\n  ${join(dir, "vlm.py")}`);
    expect(result.stderr).not.toContain("coder.py");
  });

  it("a bad config writes no shim and exits non-zero", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-bad-"));
    const out = join(dir, "shims");
    const configFile = join(dir, "bad.json");
    await writeFile(configFile, JSON.stringify({ deployments: { vlm: { maxImagesPerPrompt: 6 }, coder: { gpu: "TPU" } } }));
    const result = await runCli(["render", "--stack-config", configFile, "--out", out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('qwen-code-modal:deployments.coder.gpu: got "TPU"');
    expect(result.stderr).toContain("qwen-code-modal:deployments.vlm.maxImagesPerPrompt: got 6; must be at most 5");
    expect(existsSync(out)).toBe(false);
  });
});
