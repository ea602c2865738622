/**
 * The pinned vLLM for tests: its install, and whether a suite may run. Locally a missing install skips
 * with a printed reason; under CI=true it fails instead (scripts/dev test installs it).
 */
import { resolveEnvironment } from "../../infra/core/environment";
import { DEFAULT_VLLM_VERSION } from "../../infra/config/defaults";
import { vllmInstall, vllmInstalled } from "../../infra/check/vllm-check";

const environment = resolveEnvironment();

/** The install of the vLLM version the default deployments pin. */
export const VLLM = vllmInstall(environment.cacheDir, DEFAULT_VLLM_VERSION);

/** PATH and CC for the checker. */
export const VLLM_VARS = environment.vars;

/** True when the real-vLLM suites should be skipped (never under CI). */
export function skipWithoutVllm(): boolean {
  if (vllmInstalled(VLLM)) return false;
  if (process.env.CI === "true") throw new Error(`CI: vLLM ${VLLM.version} is not installed at ${VLLM.dir}; scripts/dev test must install it`);
  console.warn(`skipping the real-vLLM suites: vLLM ${VLLM.version} is not installed at ${VLLM.dir} (run scripts/dev test)`);
  return true;
}
