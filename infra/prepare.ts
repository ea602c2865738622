/**
 * The step every path shares before anything is deployed: render each deployment's shim,
 * import it with the real modal SDK, compare what Modal sees with the config, and only then
 * (optionally) write the shims to python-shims/.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "./config/schema";
import type { ResolvedConfig } from "./config/resolve";
import { compareWithConfig, runModalCheckCached, type ShimReport } from "./check/modal-check";
import { runVllmCheckCached, shimCases, compareVllmReport, vllmInstall, vllmInstalled, type SimulatedDevice, type VllmCase, type VllmCaseReport, type VllmCheckVariables } from "./check/vllm-check";

/** What the vLLM check needs from the resolved environment: its cache folder and variables (PATH, CC). */
export interface VllmCheckEnvironment {
  cacheDir: string;
  vars: VllmCheckVariables;
}

/**
 * The vLLM check's environment for an entry point (the Pulumi program, `plan`): the resolved
 * environment's cache folder and variables, or undefined when `QCM_VLLM_CHECK=0` turns the check off.
 */
export function vllmCheckEnvironment(environment: { cacheDir: string; vars: Readonly<Record<string, string | undefined>> }): VllmCheckEnvironment | undefined {
  return environment.vars.QCM_VLLM_CHECK === "0" ? undefined : { cacheDir: environment.cacheDir, vars: environment.vars };
}
import { deploymentColdStart, renderShim, type RenderedShim, type ShimOptions } from "./render/shim";
import { writeShims } from "./render/write";
import { shimsDir } from "./core/paths";
import { UserError } from "./core/errors";
import type { ImageEditDeployment } from "./config/image-edit-schema";
import { renderImageEditShim } from "./render/image-edit-shim";
import { compareImageEditWithConfig } from "./check/image-edit-check";
import { checkCacheDir } from "./check/check-cache";
import { compareControlWithConfig } from "./check/control-check";
import { CONTROL_DICT, controlConfig, renderControlShim, type ControlConfig } from "./render/control-shim";

/** A deployment whose shim rendered and passed the modal SDK check. */
export interface PreparedDeployment {
  name: string;
  deployment: Deployment;
  shim: RenderedShim;
  /** What the modal SDK reported for the shim. */
  report: ShimReport;
  /** What the pinned vLLM reported for the shim's `vllm serve` command on each GPU option (by GPU), when that check ran. */
  vllm?: Record<string, VllmCaseReport>;
}

/** A shim the modal SDK rejected, or saw differently from the config. Nothing was written. The message is for the user as is. */
export class ShimCheckError extends UserError {
  override name = "ShimCheckError";
  constructor(readonly problems: Record<string, string[]>) {
    super(
      `the shim check (modal SDK, vLLM) failed; no shim was written:\n` +
        Object.entries(problems)
          .map(([name, lines]) => lines.map((l) => `  - ${name}: ${l}`).join("\n"))
          .join("\n"),
    );
  }
}

/** An image-edit deployment whose shim rendered and passed the modal SDK check. */
export interface PreparedImageEdit {
  name: string;
  deployment: ImageEditDeployment;
  shim: RenderedShim;
  report: ShimReport;
}

/** The controller app (`qcm-control`), rendered and checked. */
export interface PreparedControl {
  config: ControlConfig;
  shim: RenderedShim;
  report: ShimReport;
}

/** The result of {@link prepareDeployments}. */
export interface Prepared {
  /** Version of the modal SDK that checked the shims. */
  modalVersion: string;
  /** The checker's warnings (a modal SDK newer than the one it knows, a check reduced to the public API); show them to the user. */
  warnings: string[];
  deployments: PreparedDeployment[];
  /** Enabled image-edit deployments (none unless `enabled` names one). */
  imageEdits: PreparedImageEdit[];
  /** The controller; absent when the stack config sets `control: false`. */
  control?: PreparedControl;
  /** The vLLM check: versions that checked shims, and why others were not checked. Absent when not asked for. */
  vllm?: { checked: string[]; unchecked: string[] };
}

/**
 * Runs every shim through the vLLM version it pins, where that version is installed.
 * @returns reports by shim index, and the versions checked / reasons for those not checked.
 */
async function vllmCheckShims(env: VllmCheckEnvironment, deployments: Deployment[], paths: string[], scratch: string, cacheDir: string | undefined) {
  const reports: (Record<string, VllmCaseReport> | undefined)[] = [];
  const checked: string[] = [];
  const unchecked: string[] = [];
  for (const version of [...new Set(deployments.map((d) => d.vllmVersion))]) {
    const install = vllmInstall(env.cacheDir, version);
    if (!vllmInstalled(install)) {
      unchecked.push(`vLLM ${version} is not installed at ${install.dir} (scripts/dev test installs it)`);
      continue;
    }
    const devices: Record<string, SimulatedDevice> = {};
    const cases: VllmCase[] = [];
    for (const [i, d] of deployments.entries()) {
      if (d.vllmVersion !== version) continue;
      for (const { vcase, device } of await shimCases(String(i), paths[i], d, join(scratch, "models"))) {
        devices[vcase.device] = device;
        cases.push(vcase);
      }
    }
    const output = await runVllmCheckCached(install, devices, cases, env.vars, cacheDir);
    for (const c of cases) {
      const [i, gpu] = c.id.split("@");
      reports[Number(i)] = { ...reports[Number(i)], [gpu]: output.cases[c.id] };
    }
    checked.push(output.vllm_version);
  }
  return { reports, checked, unchecked };
}

/**
 * What every GPU shim of `config` is rendered with besides its deployment: the controller's ledger
 * Dict when the stack has the controller. `bench` keys its results by the same inputs hash plan shows.
 */
export function gpuShimOptions(config: ResolvedConfig): ShimOptions {
  return controlConfig(config) ? { ledgerDict: CONTROL_DICT } : {};
}

/**
 * Renders and checks every enabled deployment.
 * @param options.python - Python with the pinned modal SDK (the environment's `modal.python`, infra/core/environment.ts).
 * @param options.write - also write the checked shims to `options.dir` (default python-shims/).
 * @param options.vllm - also check each shim's `vllm serve` command with the vLLM version it pins, from the
 *   venvs under `cacheDir` (the environment's); versions not installed are listed, not checked.
 * @param options.cacheDir - keep the checkers' reports under this folder (the environment's `cacheDir`;
 *   infra/check/check-cache.ts) and skip a check whose inputs have not changed since it passed.
 * @throws ShimCheckError when any shim fails the check (then nothing is written).
 */
export async function prepareDeployments(
  config: ResolvedConfig,
  options: { python: string; write?: boolean; dir?: string; vllm?: VllmCheckEnvironment; cacheDir?: string },
): Promise<Prepared> {
  const entries = Object.entries(config.deployments);
  const imageEntries = Object.entries(config.imageEdits ?? {});
  const control = controlConfig(config);
  const ledger = gpuShimOptions(config);
  const shims = [
    ...entries.map(([name, d]) => renderShim(name, d, ledger)),
    ...imageEntries.map(([name, d]) => renderImageEditShim(name, d, ledger)),
    ...(control ? [renderControlShim(control)] : []),
  ];
  const scratch = await mkdtemp(join(tmpdir(), "qcm-shims-"));
  try {
    const paths = await writeShims(scratch, shims);
    const cache = options.cacheDir && checkCacheDir(options.cacheDir);
    const output = await runModalCheckCached(shims.map((s, i) => ({ path: paths[i], source: s.source })), options.python, cache);
    const vllm = options.vllm ? await vllmCheckShims(options.vllm, entries.map(([, d]) => d), paths, scratch, cache) : undefined;
    const problems: Record<string, string[]> = {};
    const prepared = entries.map(([name, deployment], i) => {
      const report = output.shims[paths[i]] ?? { error: "the checker returned no report" };
      const mismatches = compareWithConfig(report, deployment);
      const vllmReport = vllm?.reports[i];
      for (const [gpu, r] of Object.entries(vllmReport ?? {})) {
        mismatches.push(...compareVllmReport(r, deployment, deploymentColdStart(deployment)).map((m) => `on ${gpu}: ${m}`));
      }
      if (mismatches.length) problems[name] = mismatches;
      return { name, deployment, shim: shims[i], report, ...(vllmReport ? { vllm: vllmReport } : {}) };
    });
    const imageEdits = imageEntries.map(([name, deployment], j) => {
      const i = entries.length + j;
      const report = output.shims[paths[i]] ?? { error: "the checker returned no report" };
      const mismatches = compareImageEditWithConfig(report, deployment);
      if (mismatches.length) problems[name] = mismatches;
      return { name, deployment, shim: shims[i], report };
    });
    const preparedControl = control ? { config: control, shim: shims.at(-1)!, report: output.shims[paths.at(-1)!] ?? { error: "the checker returned no report" } } : undefined;
    if (preparedControl) {
      const mismatches = compareControlWithConfig(preparedControl.report, preparedControl.config);
      if (mismatches.length) problems[preparedControl.shim.name] = mismatches;
    }
    if (Object.keys(problems).length) throw new ShimCheckError(problems);
    if (options.write) await writeShims(options.dir ?? shimsDir(), shims);
    return {
      modalVersion: output.modal_version,
      warnings: output.warnings,
      deployments: prepared,
      imageEdits,
      ...(preparedControl ? { control: preparedControl } : {}),
      ...(vllm ? { vllm: { checked: vllm.checked, unchecked: vllm.unchecked } } : {}),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
