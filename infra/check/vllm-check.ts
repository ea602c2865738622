/**
 * Runs `vllm serve` argv through the real vLLM the shims pin (infra/check/vllm_check.py in the
 * project's vLLM venv): vLLM's own parser, serve-args validation, tool/reasoning parser registries and
 * `AsyncEngineArgs.from_cli_args`, and, for registry models, vLLM's engine config and attention
 * backend on a simulated device of the deployment's GPU. How to call it: docs/vllm-check.md.
 *
 * The venv lives outside the clone, one per vLLM version: `<cacheDir>/vllm-<version>/venv`, with a
 * marker file `installed` written by `scripts/dev` only after `pip install vllm==<version>` succeeded.
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import type { Deployment } from "../config/schema";
import type { ColdStartShimPlan } from "../coldstart";
import { UserError } from "../core/errors";
import { projectRoot } from "../core/paths";
import { GPU_TYPES, gpuOptions } from "../modal/gpus";
import { gpuMemory } from "../capacity/gpu-memory";
import { writeModelConfig } from "./model-config";
import { checkKey, readCheck, writeCheck } from "./check-cache";

/** Where one vLLM version is installed. */
export interface VllmInstall {
  version: string;
  /** `<cacheDir>/vllm-<version>`. */
  dir: string;
  /** The venv's Python. */
  python: string;
  /** Written by `scripts/dev` after a successful install; absent means "not (completely) installed". */
  marker: string;
}

/**
 * The install location of a vLLM version (the same rule as `scripts/dev`'s `ensure_vllm`).
 * @param cacheDir - the environment's `cacheDir` (infra/core/environment.ts).
 */
export function vllmInstall(cacheDir: string, version: string): VllmInstall {
  const dir = join(cacheDir, `vllm-${version}`);
  return { version, dir, python: join(dir, "venv", "bin", "python"), marker: join(dir, "installed") };
}

/** Whether the install finished (its marker exists). */
export function vllmInstalled(install: VllmInstall): boolean {
  return existsSync(install.marker) && existsSync(install.python);
}

/** The variables the check uses from the resolved environment (infra/core/environment.ts `vars`). */
export interface VllmCheckVariables {
  /** Where the C compiler and system tools are found. */
  PATH?: string;
  /** The C compiler for the libcuda stand-in; default `cc`. */
  CC?: string;
}

/**
 * Builds the libcuda.so.1 stand-in (infra/check/libcuda-stub.c) with the system C compiler (`CC`,
 * else `cc`), once per source version, into `<install.dir>/libcuda-stub-<sha>/`.
 * @returns the folder holding libcuda.so.1 (for LD_LIBRARY_PATH).
 * @throws UserError when no C compiler runs.
 */
export async function buildCudaStub(install: VllmInstall, vars: VllmCheckVariables): Promise<string> {
  const cc = vars.CC || "cc";
  const source = join(projectRoot(), "infra", "check", "libcuda-stub.c");
  const sha = createHash("sha256").update(await readFile(source)).digest("hex").slice(0, 12);
  const dir = join(install.dir, `libcuda-stub-${sha}`);
  const lib = join(dir, "libcuda.so.1");
  if (existsSync(lib)) return dir;
  await mkdir(dir, { recursive: true });
  const tmp = `${lib}.${process.pid}.tmp`;
  const result = await execa(cc, ["-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o", tmp, source], {
    reject: false,
    extendEnv: false,
    env: { PATH: vars.PATH ?? "/usr/bin:/bin" },
  });
  if (result.failed) {
    throw new UserError(`cannot build the libcuda.so.1 stand-in with ${cc} (${(result.shortMessage ?? "").split("\n")[0]}): install a C compiler (apt-get install gcc)`);
  }
  await rename(tmp, lib);
  return dir;
}

/** A simulated GPU as vLLM's platform reports it. */
export interface SimulatedDevice {
  capability: readonly [number, number];
  name: string;
  /** Total memory of one GPU, bytes (as CUDA reports it). */
  memory_bytes: number;
  count: number;
}

/** One `vllm serve` command to check. */
export interface VllmCase {
  id: string;
  /** Key of `devices`. */
  device: string;
  /** A rendered shim: the argv of its `subprocess.Popen(["vllm", "serve", ...])` is checked. */
  shim?: string;
  /** Or the argv after `vllm serve` (model first). */
  argv?: string[];
  /** Folder with the model's config.json: also build vLLM's engine config and pick the attention backend. */
  model_dir?: string;
  /** Parsed values to report even when they equal vLLM's default (e.g. `port`). */
  fields?: string[];
}

const engineReport = z.object({
  max_model_len: z.number(),
  dtype: z.string(),
  quantization: z.string().nullable(),
  kv_cache_dtype: z.string(),
  head_size: z.number(),
  architecture: z.string().nullable(),
  is_hybrid: z.boolean(),
  enforce_eager: z.boolean(),
  attention_backend: z.string().nullable(),
  attention_error: z.string().optional(),
  fp8_kv_supported: z.boolean().nullable(),
  backends_valid: z.array(z.string()),
  backends_rejected: z.record(z.string(), z.array(z.string())),
});

const caseReport = z.object({
  ok: z.boolean(),
  argv: z.array(z.string()).optional(),
  stage: z.string().optional(),
  error: z.string().optional(),
  parsed: z.record(z.string(), z.unknown()).optional(),
  engine: z.union([engineReport, z.string()]).optional(),
});

const checkOutput = z.object({
  vllm_version: z.string(),
  torch_version: z.string(),
  torch_cuda: z.string().nullable(),
  sources: z.record(z.string(), z.string()),
  cases: z.record(z.string(), caseReport),
  /** With `dumpFlags`: infra/config/vllm-serve-flags.ts as this vLLM's parser generates it. */
  flags_module: z.string().optional(),
});

/** What vLLM reported for one case. */
export type VllmCaseReport = z.infer<typeof caseReport>;
/** What vLLM built on the simulated device. */
export type VllmEngineReport = z.infer<typeof engineReport>;
/** The checker's answer. */
export type VllmCheckOutput = z.infer<typeof checkOutput>;

/**
 * Runs cases through the real vLLM in one Python process (vLLM's import takes tens of seconds).
 * @param devices - simulated GPUs by name, referenced by each case's `device`.
 * @param vars - PATH and CC from the resolved environment.
 * @param options.dumpFlags - also return the generated flag table (`flags_module`).
 * @throws UserError when the install is missing, or the checker crashed.
 */
export async function runVllmCheck(
  install: VllmInstall,
  devices: Record<string, SimulatedDevice>,
  cases: VllmCase[],
  vars: VllmCheckVariables,
  options: { dumpFlags?: boolean } = {},
): Promise<VllmCheckOutput> {
  if (!vllmInstalled(install)) {
    throw new UserError(`vLLM ${install.version} is not installed at ${install.dir}: run scripts/dev test (it installs it, ~9 GB)`);
  }
  const stub = await buildCudaStub(install, vars);
  const scratch = await mkdtemp(join(tmpdir(), "qcm-vllm-check-"));
  try {
    const request = join(scratch, "request.json");
    await writeFile(request, JSON.stringify({ devices, cases, dump_flags: options.dumpFlags ?? false }));
    const result = await execa(install.python, [join(projectRoot(), "infra", "check", "vllm_check.py"), request], {
      reject: false,
      extendEnv: false,
      // Only what vLLM needs: no Modal or Hugging Face tokens; offline.
      env: {
        PATH: vars.PATH ?? "/usr/bin:/bin",
        HOME: scratch,
        LD_LIBRARY_PATH: stub,
        HF_HUB_OFFLINE: "1",
        VLLM_NO_USAGE_STATS: "1",
        VLLM_CACHE_ROOT: join(scratch, "vllm-cache"),
      },
      timeout: 20 * 60_000,
    });
    try {
      return checkOutput.parse(JSON.parse(result.stdout));
    } catch {
      const tail = result.stderr.trim().split("\n").slice(-5).join("\n");
      throw new UserError(`the vLLM ${install.version} checker failed (exit ${result.exitCode ?? result.shortMessage}):\n${tail}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What a case's report depends on besides the install: its shim's source (or argv), device and model stand-in. */
async function caseInputs(c: VllmCase, device: SimulatedDevice): Promise<Record<string, unknown>> {
  const modelFiles = c.model_dir ? (await readdir(c.model_dir)).sort() : [];
  return {
    shim: c.shim ? await readFile(c.shim, "utf8") : null,
    argv: c.argv ?? null,
    fields: c.fields ?? null,
    device,
    model: Object.fromEntries(await Promise.all(modelFiles.map(async (f) => [f, await readFile(join(c.model_dir!, f), "utf8")] as const))),
  };
}

/**
 * {@link runVllmCheck} with its results kept in `cacheDir` (./check-cache.ts): a case whose shim,
 * device, model stand-in, checker (vllm_check.py, the libcuda stand-in) and vLLM install (version and
 * `installed` marker) are unchanged since it last passed is not run again; the others go to the real
 * vLLM in one Python process. With every case cached, vLLM is not imported at all.
 * @param cacheDir - the folder of cached results; undefined: no cache.
 * @throws UserError as {@link runVllmCheck}.
 */
export async function runVllmCheckCached(
  install: VllmInstall,
  devices: Record<string, SimulatedDevice>,
  cases: VllmCase[],
  vars: VllmCheckVariables,
  cacheDir: string | undefined,
): Promise<Pick<VllmCheckOutput, "vllm_version" | "cases">> {
  const root = projectRoot();
  const common = cacheDir && vllmInstalled(install) && {
    version: install.version,
    marker: await readFile(install.marker, "utf8"),
    checker: await readFile(join(root, "infra", "check", "vllm_check.py"), "utf8"),
    stub: await readFile(join(root, "infra", "check", "libcuda-stub.c"), "utf8"),
  };
  const keys = await Promise.all(cases.map(async (c) => (common ? checkKey("vllm", { ...common, ...(await caseInputs(c, devices[c.device])) }) : undefined)));
  type Cached = { report: VllmCaseReport; vllm_version: string };
  const cached = await Promise.all(keys.map((k) => (k && cacheDir ? readCheck<Cached>(cacheDir, "vllm", k) : undefined)));
  const missing = cases.filter((_, i) => !cached[i]);
  const fresh = missing.length || !cases.length ? await runVllmCheck(install, devices, missing, vars) : undefined;
  const output: Pick<VllmCheckOutput, "vllm_version" | "cases"> = { vllm_version: fresh?.vllm_version ?? cached[0]!.vllm_version, cases: {} };
  for (const [i, c] of cases.entries()) {
    const report = cached[i]?.report ?? fresh!.cases[c.id];
    if (!report) continue;
    output.cases[c.id] = report;
    const key = keys[i];
    if (!cached[i] && key && cacheDir && report.ok) await writeCheck(cacheDir, "vllm", key, { report, vllm_version: fresh!.vllm_version });
  }
  return output;
}

/**
 * A simulated GPU: compute capability and CUDA-reported memory of a Modal GPU type.
 * @param gpu - one Modal GPU name (not a fallback list).
 * @param count - GPUs per container.
 */
export function simulatedDevice(gpu: string, count: number): SimulatedDevice {
  return { capability: GPU_TYPES[gpu].computeCapability, name: `simulated ${gpu}`, memory_bytes: gpuMemory(gpu).bytes, count };
}

/** Parsed values every shim check reads back, default or not. */
export const CHECKED_FIELDS = [
  "served_model_name", "host", "port", "max_model_len", "kv_cache_dtype", "gpu_memory_utilization",
  "tensor_parallel_size", "max_num_seqs", "enable_auto_tool_choice", "tool_call_parser", "reasoning_parser",
  "limit_mm_per_prompt", "mm_processor_kwargs", "enforce_eager", "enable_sleep_mode", "revision", "api_key", "enable_prompt_tokens_details",
];

/**
 * The cases that check a rendered shim: its argv on each GPU type the deployment may get (a simulated
 * device each; case id and device key `<id>@<gpu>`), with the model's stand-in config.json when the
 * registry knows the model.
 * @param dir - scratch folder for the config.json.
 */
export async function shimCases(id: string, shimPath: string, d: Deployment, dir: string): Promise<{ vcase: VllmCase; device: SimulatedDevice }[]> {
  const modelDir = await writeModelConfig(dir, d.modelId);
  return gpuOptions(d.gpu).map((gpu) => ({
    vcase: { id: `${id}@${gpu}`, device: `${id}@${gpu}`, shim: shimPath, fields: CHECKED_FIELDS, ...(modelDir ? { model_dir: modelDir } : {}) },
    device: simulatedDevice(gpu, d.gpuCount),
  }));
}

/**
 * Compares what vLLM parsed (and built) from a shim with what the deployment asks for.
 * @returns one line per mismatch; empty when vLLM reads the shim as intended.
 */
export function compareVllmReport(report: VllmCaseReport, d: Deployment, plan: ColdStartShimPlan): string[] {
  if (!report.ok) return [`vLLM refuses the shim's vllm serve command at ${report.stage}: ${report.error}`];
  // (one report per GPU option: the caller names the GPU)
  const parsed = report.parsed ?? {};
  const problems: string[] = [];
  const expect = (key: string, want: unknown) => {
    if (JSON.stringify(parsed[key]) !== JSON.stringify(want)) {
      problems.push(`vLLM reads ${key} as ${JSON.stringify(parsed[key])}, config says ${JSON.stringify(want)}`);
    }
  };
  expect("served_model_name", [d.servedModelName]);
  expect("host", "0.0.0.0");
  expect("port", d.port);
  expect("max_model_len", d.maxModelLen);
  expect("kv_cache_dtype", d.kvCacheDtype);
  expect("gpu_memory_utilization", d.gpuMemoryUtilization);
  expect("tensor_parallel_size", d.gpuCount);
  expect("max_num_seqs", d.maxInputs);
  expect("tool_call_parser", d.toolCallParser ?? null);
  expect("enable_auto_tool_choice", Boolean(d.toolCallParser));
  expect("reasoning_parser", d.reasoningParser ?? "");
  expect("limit_mm_per_prompt", d.maxImagesPerPrompt > 0 ? { image: d.maxImagesPerPrompt, video: 0 } : {});
  expect("mm_processor_kwargs", d.maxImagePixels !== undefined ? { max_pixels: d.maxImagePixels } : null);
  expect("enforce_eager", plan.vllmFlags.includes("--enforce-eager"));
  expect("enable_sleep_mode", plan.vllmFlags.includes("--enable-sleep-mode"));
  expect("revision", plan.bakeWeights ? null : d.modelRevision);
  expect("api_key", null);
  // A Modal Server's requests spread over containers: cached tokens per request (infra/render/vllm-args.ts).
  expect("enable_prompt_tokens_details", d.serving === "server");
  const engine = report.engine;
  if (engine && typeof engine !== "string") {
    if (engine.max_model_len !== d.maxModelLen) problems.push(`vLLM's engine config has max_model_len ${engine.max_model_len}, config says ${d.maxModelLen}`);
    if (!engine.attention_backend) problems.push(`vLLM finds no attention backend for kv_cache_dtype ${d.kvCacheDtype}: ${engine.attention_error}`);
  }
  return problems;
}
