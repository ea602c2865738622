import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareWithConfig, runModalCheck } from "../../infra/check/modal-check";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { renderShim } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { PYTHON } from "../support/python";

/**
 * A Python that runs the check against the real modal 1.6.4 SDK made to look like 1.7.0: its
 * version says 1.7.0 and the `App.registered_*` properties are gone, as modal 1.6.4's own
 * deprecation warnings announce ("`App.registered_functions` is deprecated and will be removed in
 * `modal` version 1.7.0", modal/app.py).
 */
async function modal17StandIn(dir: string): Promise<string> {
  const path = join(dir, "python-modal-1.7");
  const script = [
    "import runpy, sys",
    "import modal",
    "modal.__version__ = '1.7.0'",
    "for name in ('registered_functions', 'registered_classes', 'registered_entrypoints', 'registered_web_endpoints'):",
    "    for cls in type.mro(modal.App):",
    "        if name in vars(cls): delattr(cls, name)",
    "sys.argv = sys.argv[1:]",
    "runpy.run_path(sys.argv[0], run_name='__main__')",
  ].join("\n");
  await writeFile(path, `#!/bin/sh\nexec '${PYTHON}' -c "${script.replaceAll('"', '\\"')}" "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

describe("shim check: pin and warn", () => {
  it("with the pinned SDK: no warning, and the detailed report from Modal's internals", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-check-"));
    const [path] = await writeShims(dir, [renderShim("coder", DEFAULT_DEPLOYMENTS.coder)]);
    const output = await runModalCheck([path], PYTHON);
    expect(output.known_modal_version).toBe("1.6.4");
    expect(output.modal_version).toBe("1.6.4");
    expect(output.warnings).toEqual([]);
    expect(output.shims[path]).toMatchObject({ servers: { serve: { kind: "function", gpus: ["H200"] } } });
  });

  it("a newer SDK without the internals (modal 1.7 stand-in): warns, checks the public tier and the AST, and still catches a mismatch", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-check-"));
    const python = await modal17StandIn(dir);
    const shim = renderShim("coder", DEFAULT_DEPLOYMENTS.coder);
    const [good, other] = await writeShims(dir, [shim, { ...shim, name: "other", source: shim.source.replace("max_inputs=128", "max_inputs=64") }]);
    const output = await runModalCheck([good, other], python);
    expect(output.modal_version).toBe("1.7.0");
    expect(output.warnings).toEqual([
      expect.stringMatching(/^modal 1\.7\.0: the private internals the detailed check reads are gone \(AttributeError: .*registered_functions/),
      "the installed modal SDK 1.7.0 is newer than 1.6.4, the version the shim check knows (python-shims/requirements.txt); run scripts/dev to install the pinned one",
    ]);
    expect(output.shims[good]).toEqual({
      app_name: "qcm-coder",
      servers: { serve: { kind: "function" } },
      deploy_time: { serve: { timeout: 1800, scaledown_window: 300, max_containers: 1, max_inputs: 128 } },
    });
    expect(compareWithConfig(output.shims[good], DEFAULT_DEPLOYMENTS.coder)).toEqual([]);
    expect(compareWithConfig(output.shims[other], DEFAULT_DEPLOYMENTS.coder)).toEqual(["max_inputs: modal sees 64, config says 128"]);
  });
});
