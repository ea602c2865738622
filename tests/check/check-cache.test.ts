/**
 * The shim-check cache (infra/check/check-cache.ts) with the real modal SDK behind a Python that
 * records each start: an unchanged shim starts no Python; a changed one is imported by the real SDK
 * again, and a shim the SDK refuses is never taken from the cache.
 */
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installedModal } from "../../infra/check/check-cache";
import { runModalCheckCached } from "../../infra/check/modal-check";
import { resolveConfig } from "../../infra/config/resolve";
import { prepareDeployments } from "../../infra/prepare";
import { PYTHON } from "../support/python";
import { recordingPython } from "../support/recording-python";

/** A recording Python in a venv-shaped folder with the real venv's modal dist-info names. */
async function recordingModalPython(dir: string) {
  const installed = installedModal(PYTHON);
  expect(installed, `${PYTHON} is not in a venv with modal (scripts/dev)`).toBeDefined();
  return recordingPython(join(dir, "venv"), PYTHON, installed!.distInfo.map((d) => d.replace("/", "/site-packages/")));
}

describe("shim checks cached by shim, checker and modal SDK", () => {
  it("an unchanged config starts no Python; a changed deployment is checked again by the real SDK, alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-check-cache-"));
    const { python, calls } = await recordingModalPython(dir);
    const cacheDir = join(dir, "cache");
    const first = await prepareDeployments(resolveConfig({}), { python, cacheDir });
    expect(await calls()).toHaveLength(1);
    // coder, vlm and the control app (main since the control merge)
    expect((await readdir(join(cacheDir, "shim-checks"))).filter((f) => f.startsWith("modal-"))).toHaveLength(3);

    const again = await prepareDeployments(resolveConfig({}), { python, cacheDir });
    expect(await calls()).toHaveLength(1);
    expect(again.modalVersion).toBe("1.6.4");
    expect(again.deployments.map((d) => d.report)).toEqual(first.deployments.map((d) => d.report));

    // Only the coder's shim changes: the real SDK imports it (one shim path in argv) and sees the new value.
    const changed = await prepareDeployments(resolveConfig({ deployments: { coder: { maxInputs: 3 } } }), { python, cacheDir });
    const starts = await calls();
    expect(starts).toHaveLength(2);
    expect(starts[1].filter((a) => a.endsWith(".py"))).toEqual([expect.stringContaining("modal_check.py"), expect.stringMatching(/coder\.py$/)]);
    const coder = changed.deployments.find((d) => d.name === "coder")!.report;
    expect("deploy_time" in coder && coder.deploy_time.serve?.max_inputs).toBe(3);
  }, 120_000);

  it("a shim the SDK refuses is reported every time and never cached", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-check-cache-"));
    const { python, calls } = await recordingModalPython(dir);
    const cacheDir = join(dir, "cache");
    const path = join(dir, "broken.py");
    const source = 'import modal\napp = modal.App("qcm-broken")\nraise RuntimeError("broken on purpose")\n';
    await writeFile(path, source);
    for (let i = 0; i < 2; i++) {
      const output = await runModalCheckCached([{ path, source }], python, cacheDir);
      expect(output.shims[path]).toEqual({ error: expect.stringContaining("broken on purpose") });
    }
    expect(await calls()).toHaveLength(2);
  }, 120_000);

  it("no cache for a Python outside a venv with modal: the check always runs", () => {
    expect(installedModal("/usr/bin/python3-not-a-venv")).toBeUndefined();
  });
});
