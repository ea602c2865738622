/**
 * Reads `modal deploy` output as a progress log, nothing more: endpoint URLs are read from
 * `modal function info --json` / `modal server info --json` after the deploy (./endpoint-urls.ts),
 * never from this tree. What modal 1.6.4 prints (rendered by its own classes in
 * tests/stand-ins/modal_cli_real_output.py; `_output/rich.py` `display_object_tree`,
 * `_output/status.py:49-93` `FunctionCreationStatus`, `runner.py:699-705`):
 * ```
 * ✓ Created objects.
 * ├── ✓ Uploaded /tmp/qcm-deploy-x/coder.py
 * └── ✓ Created Function serve
 *     └── https://ws--qcm-coder-serve.modal.run 🔑
 * ✓ App deployed in 12.345s! 🎉
 *
 * View Deployment: https://modal.com/apps/ws/main/deployed/qcm-coder
 * ```
 * or `✓ Deployment skipped: no changes detected! ⏭️` in place of the `App deployed` row. Image
 * builds print `Building image im-…` and the build's log lines before the tree.
 * @module
 */

/** What a deploy's output confirms. */
export interface DeployResult {
  /** True when Modal found nothing to change. */
  skipped: boolean;
  /** True when Modal confirmed the deploy (`App deployed in ...` or skipped). */
  confirmed: boolean;
}

/** Phase of a deploy a line of its output shows: building the image, or creating the app's objects. */
export type DeployPhase = "image" | "objects";

/**
 * The phase one output line shows, for progress displays (the dashboard's deploy feed):
 * `Building image …`, `=> Step N` (image build log) → image; `Creating objects…`, `Created objects.`,
 * `Uploaded …` (mount.py:716), `Created Function …` / `Created Server …` (status.py:65-79) → objects.
 */
export function deployLinePhase(line: string): DeployPhase | undefined {
  if (/Created objects|Creating objects|Created (?:Function|Server) |✓ Uploaded /.test(line)) return "objects";
  if (/Building image|=> Step \d/.test(line)) return "image";
  return undefined;
}

/** Reads the combined stdout/stderr of `modal deploy`: whether Modal confirmed or skipped it. */
export function parseDeployOutput(text: string): DeployResult {
  const skipped = /Deployment skipped: no changes detected/.test(text);
  return { skipped, confirmed: skipped || /App deployed in [\d.]+s/.test(text) };
}
