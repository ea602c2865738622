/**
 * Compares the real modal SDK's report of an image-edit shim with its deployment config: the GPU
 * class that runs one job at a time, the proxy-auth'd web function, the optional bearer-checked
 * `images` function, and the scheduled cleanup.
 * @module
 */
import type { ImageEditDeployment } from "../config/image-edit-schema";
import { HF_CACHE_VOLUME } from "../coldstart/modes";
import { CLEANUP_FUNCTION, EDIT_METHOD, EDITOR_CLASS, IMAGES_FUNCTION, RESULTS_DIR } from "../render/image-edit-shim";
import { SERVE_FUNCTION } from "../render/shim";
import type { ShimReport } from "./modal-check";

/**
 * @returns one line per mismatch; empty when Modal sees exactly what the config asks for.
 */
export function compareImageEditWithConfig(report: ShimReport, d: ImageEditDeployment): string[] {
  if ("error" in report) return [`modal could not import the shim: ${report.error}`];
  const problems: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: modal sees ${JSON.stringify(got)}, config says ${JSON.stringify(want)}`);
  };
  const webFunctions = d.imageApiKeySecret ? [IMAGES_FUNCTION, SERVE_FUNCTION] : [SERVE_FUNCTION];
  expect("app name", report.app_name, d.appName);
  expect("servers", Object.keys(report.servers).sort(), [EDITOR_CLASS, CLEANUP_FUNCTION, ...webFunctions].sort());
  const editor = report.servers[EDITOR_CLASS];
  if (editor) {
    const opts = report.deploy_time[EDITOR_CLASS] ?? {};
    expect("Editor kind", editor.kind, "class");
    // Only the pinned SDK's internals show these (modal_check.py); without them the checker warned.
    if ("web_servers" in editor) {
      expect("Editor gpus", editor.gpus, [d.gpu]);
      expect("Editor methods", editor.methods, [EDIT_METHOD]);
      expect("Editor web servers", Object.keys(editor.web_servers), []);
      expect("Editor volumes", editor.volumes, (d.coldStart === "volume" ? [RESULTS_DIR, HF_CACHE_VOLUME.mountPath] : [RESULTS_DIR]).sort());
      expect("Editor HF token secrets", editor.secrets, d.hfSecretName ? 1 : 0);
      expect("Editor lifecycle", editor.lifecycle, { enter_snap: [], enter_restore: ["load"], exit: [] });
    }
    expect("Editor max_inputs", opts.max_inputs, 1);
    expect("Editor timeout (s)", opts.timeout, d.timeout);
    expect("Editor scaledown_window (s)", opts.scaledown_window, d.scaledownWindow);
    expect("Editor max_containers", opts.max_containers, d.maxContainers);
  }
  for (const [fn, proxyAuth, label] of [
    [SERVE_FUNCTION, true, d.label ?? null],
    ...(d.imageApiKeySecret ? [[IMAGES_FUNCTION, false, null] as const] : []),
  ] as const) {
    const server = report.servers[fn];
    if (!server || !("web_servers" in server)) continue;
    expect(`${fn} gpus`, server.gpus, null);
    expect(`${fn} web endpoint`, server.web_servers[fn], { asgi: true, requires_proxy_auth: proxyAuth, label });
    expect(`${fn} volumes`, server.volumes, [RESULTS_DIR]);
    expect(`${fn} secrets`, server.secrets, fn === IMAGES_FUNCTION ? 1 : 0);
  }
  const cleanup = report.servers[CLEANUP_FUNCTION];
  if (cleanup) {
    if ("web_servers" in cleanup) expect("cleanup web endpoint", Object.keys(cleanup.web_servers), []);
    expect("cleanup schedule", report.deploy_time[CLEANUP_FUNCTION]?.schedule, { non_literal: "modal.Period(minutes=10)" });
  }
  return problems;
}
