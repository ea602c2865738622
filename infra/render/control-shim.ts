/**
 * Renders the controller app `qcm-control`: one CPU function on a Modal schedule (`modal.Period`,
 * modal/schedule.py:61) that ends warm periods at their expiry, prices the GPU-seconds ledger and
 * applies the budget action, with nobody's machine on. The logic is `control_runtime.py`, inlined
 * verbatim; what it acts on (the GPU apps, their functions and rates, the budget) is rendered as
 * constants from the stack config.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/resolve";
import type { Budget } from "../config/schema";
import { estimateCost } from "../cost/estimate";
import { projectRoot } from "../core/paths";
import { gpuOptions } from "../modal/gpus";
import { canonicalJson, sha256 } from "./hash";
import { EDITOR_CLASS } from "./image-edit-shim";
import { py, pyStr, type PyValue } from "./python";
import { deploymentColdStart, GENERATED_MARKER, SERVE_FUNCTION, SERVER_CLASS, type RenderedShim } from "./shim";

/** Bumped whenever the template or the runtime changes in a way the inputs hash must see. */
export const CONTROL_TEMPLATE_VERSION = 1;

/** The controller's app name and the name of its shim (`python-shims/control.py`). */
export const CONTROL_APP = "qcm-control";
export const CONTROL_SHIM_NAME = "control";

/** The controller's `modal.Dict`: ledger, warm periods, budget state (see control_runtime.py). */
export const CONTROL_DICT = "qcm-control";

/** The scheduled function. */
export const TICK_FUNCTION = "tick";

/**
 * Minutes between two runs. A warm period ends at most this late; each run is a CPU container
 * (modal.Period, modal/schedule.py:61), so shorter costs more (docs/day2.md, "Controller").
 */
export const TICK_MINUTES = 2;

/** Environment variable the alert Secret must hold (the webhook URL). */
export const ALERT_WEBHOOK_ENV = "QCM_ALERT_WEBHOOK";

/** One GPU app the controller watches. */
export interface ControlledApp {
  app: string;
  /** The GPU function's tag (`serve`, `Server.*`, `Editor.*`): what `cool` sets to min_containers 0. */
  function: string;
  /**
   * USD per second while one container runs, at the dearest GPU type the deployment lists (Modal may
   * land there), times its GPU count: the plan's rates (infra/cost).
   */
  usdPerSecond: number;
}

/** What the controller is rendered from. */
export interface ControlConfig {
  environment?: string;
  apps: ControlledApp[];
  budget?: Pick<Budget, "usdPerMonth" | "action" | "alertSecret">;
}

/** USD/second of the dearest of `gpus` with `count` GPUs per container. */
function dearest(gpus: readonly string[], count: number, overrides: Record<string, number> | undefined): number {
  return Math.max(...gpus.map((gpu) => estimateCost({ gpu, gpuCount: count, startupSeconds: 0, scaledownWindowSeconds: 0, rateOverrides: overrides }).usdPerSecond));
}

/** The controller's inputs from the resolved stack config; undefined when `control` is false. */
export function controlConfig(config: ResolvedConfig): ControlConfig | undefined {
  const s = config.settings;
  if (s.control === false) return undefined;
  const rates = s.gpuRatesUsdPerSecond;
  const models = Object.values(config.deployments).map((d) => ({
    app: d.appName,
    function: deploymentColdStart(d).decorator === "app.cls" ? `${SERVER_CLASS}.*` : SERVE_FUNCTION,
    usdPerSecond: dearest(gpuOptions(d.gpu), d.gpuCount, rates),
  }));
  const edits = Object.values(config.imageEdits ?? {}).map((d) => ({ app: d.appName, function: `${EDITOR_CLASS}.*`, usdPerSecond: dearest([d.gpu], 1, rates) }));
  return {
    ...(s.environment ? { environment: s.environment } : {}),
    apps: [...models, ...edits],
    ...(s.budget ? { budget: { usdPerMonth: s.budget.usdPerMonth, action: s.budget.action, ...(s.budget.alertSecret ? { alertSecret: s.budget.alertSecret } : {}) } } : {}),
  };
}

/** What the endpoint config says of the controller (contract `control`): app, Dict, USD/second per GPU app. */
export function controlFacts(c: ControlConfig): { app: string; dict: string; usdPerSecond: Record<string, number> } {
  return { app: CONTROL_APP, dict: CONTROL_DICT, usdPerSecond: Object.fromEntries(c.apps.map((a) => [a.app, a.usdPerSecond])) };
}

/** Path of the controller runtime inlined into the shim. */
export function controlRuntimePath(root = projectRoot()): string {
  return join(root, "infra", "render", "control_runtime.py");
}

/** Renders the controller's shim. */
export function renderControlShim(c: ControlConfig): RenderedShim {
  const runtime = readFileSync(controlRuntimePath(), "utf8");
  const inputsHash = sha256(canonicalJson({ template: CONTROL_TEMPLATE_VERSION, control: c, runtime: sha256(runtime) }));
  const apps: Record<string, PyValue> = Object.fromEntries(c.apps.map((a) => [a.app, { function: a.function, usd_per_second: a.usdPerSecond }]));
  const budget = c.budget ? py({ usd_per_month: c.budget.usdPerMonth, action: c.budget.action, webhook: c.budget.alertSecret !== undefined }) : "None";
  const secrets = c.budget?.alertSecret ? `[modal.Secret.from_name(${pyStr(c.budget.alertSecret)}, required_keys=[${pyStr(ALERT_WEBHOOK_ENV)}])]` : "[]";
  const source = `${GENERATED_MARKER} from its stack config: do not edit, run \`npm run render\`.
# deployment: ${CONTROL_SHIM_NAME}
# inputs-sha256: ${inputsHash}
"""Modal app ${pyStr(CONTROL_APP)}: the controller. Every ${TICK_MINUTES} minutes, on Modal: ends warm periods that are over,
prices the GPU-seconds ledger and applies the budget action (see docs/day2.md)."""

import json

import modal

APP_NAME = ${pyStr(CONTROL_APP)}
DICT_NAME = ${pyStr(CONTROL_DICT)}
ENVIRONMENT = ${c.environment ? pyStr(c.environment) : "None"}
GPU_APPS = ${py(apps)}
BUDGET = ${budget}
ALERT_WEBHOOK_ENV = ${pyStr(ALERT_WEBHOOK_ENV)}
SECRETS = ${secrets}

${runtime.trimEnd()}


image = modal.Image.debian_slim(python_version="3.12")

app = modal.App(APP_NAME)


@app.function(image=image, schedule=modal.Period(minutes=${TICK_MINUTES}), timeout=120, max_containers=1, scaledown_window=2, secrets=SECRETS)
def ${TICK_FUNCTION}() -> None:
    """One controller run (control_tick) with this container's own Modal client."""
    import time

    print(json.dumps(control_tick(ModalApi(modal, ENVIRONMENT), time.time())), flush=True)
`;
  return { name: CONTROL_SHIM_NAME, source, inputsHash, webEndpoints: [] };
}
