/**
 * Runs rendered shims through the real `modal` SDK (infra/check/modal_check.py in the
 * project's venv) and compares what Modal registered with the deployment config.
 * @module
 */
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import type { Deployment } from "../config/schema";
import { projectRoot, venvPython } from "../paths";
import { SERVE_FUNCTION } from "../render/shim";

const functionReport = z.object({
  gpus: z.array(z.string()).nullable(),
  is_web_endpoint: z.boolean(),
  web_server: z
    .object({
      port: z.number(),
      startup_timeout: z.number(),
      requires_proxy_auth: z.boolean(),
      label: z.string().nullable(),
    })
    .nullable(),
  volumes: z.array(z.string()),
  secrets: z.number(),
});

const deployTime = z.object({
  timeout: z.unknown().optional(),
  scaledown_window: z.unknown().optional(),
  max_containers: z.unknown().optional(),
  max_inputs: z.unknown().optional(),
  web_server_decorated: z.boolean().optional(),
});

/** What the modal SDK reported for one shim. */
export const shimReportSchema = z.union([
  z.object({ error: z.string() }),
  z.object({
    app_name: z.string(),
    functions: z.record(z.string(), functionReport),
    deploy_time: z.record(z.string(), deployTime),
  }),
]);
export type ShimReport = z.infer<typeof shimReportSchema>;

const checkOutput = z.object({ modal_version: z.string(), shims: z.record(z.string(), shimReportSchema) });

/** The checker's answer for a batch of shims. */
export type ModalCheckOutput = z.infer<typeof checkOutput>;

/**
 * Imports each shim with the real modal SDK, offline, and returns Modal's view of it.
 * @param paths - absolute paths of shim files.
 * @throws Error when the venv's Python is missing (run `scripts/dev`), or the checker crashed.
 */
export async function runModalCheck(paths: string[]): Promise<ModalCheckOutput> {
  const python = venvPython();
  const script = join(projectRoot(), "infra", "check", "modal_check.py");
  const result = await execa(python, [script, ...paths], {
    reject: false,
    // Offline and credential-free on purpose: a shim must import without reaching Modal.
    env: { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "", PYTHONDONTWRITEBYTECODE: "1" },
    timeout: 120_000,
  });
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`cannot run ${python}: ${result.shortMessage}. Run scripts/dev to create the project's venv with modal.`);
  }
  try {
    return checkOutput.parse(JSON.parse(result.stdout));
  } catch {
    throw new Error(`the modal checker failed (exit ${result.exitCode}): ${result.stderr.trim().split("\n").slice(-5).join("\n")}`);
  }
}

/**
 * Compares Modal's report of a shim with the deployment config.
 * @returns one line per mismatch; empty when Modal sees exactly what the config asks for.
 */
export function compareWithConfig(report: ShimReport, d: Deployment): string[] {
  if ("error" in report) return [`modal could not import the shim: ${report.error}`];
  const problems: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: modal sees ${JSON.stringify(got)}, config says ${JSON.stringify(want)}`);
  };
  expect("app name", report.app_name, d.appName);
  expect("functions", Object.keys(report.functions), [SERVE_FUNCTION]);
  const fn = report.functions[SERVE_FUNCTION];
  const opts = report.deploy_time[SERVE_FUNCTION] ?? {};
  if (!fn) return problems;
  expect("gpus", fn.gpus, [d.gpuCount === 1 ? d.gpu : `${d.gpu}:${d.gpuCount}`]);
  expect("web endpoint", fn.is_web_endpoint, true);
  expect("web server port", fn.web_server?.port, d.port);
  expect("startup timeout (s)", fn.web_server?.startup_timeout, d.startupTimeout);
  expect("proxy auth", fn.web_server?.requires_proxy_auth, true);
  expect("label", fn.web_server?.label, d.label ?? null);
  expect("timeout (s)", opts.timeout, d.timeout);
  expect("scaledown_window (s)", opts.scaledown_window, d.scaledownWindow);
  expect("max_containers", opts.max_containers, d.maxContainers);
  expect("max_inputs", opts.max_inputs, d.maxInputs);
  expect("HF token secrets", fn.secrets, d.hfSecretName ? 1 : 0);
  return problems;
}
