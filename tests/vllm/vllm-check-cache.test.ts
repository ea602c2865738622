/**
 * The vLLM check's cache (infra/check/check-cache.ts) with the real vLLM behind a Python that records
 * each start (the pinned install linked into a scratch cache folder): the first check imports vLLM,
 * an unchanged config does not start it, a changed deployment's shim is checked by vLLM again and
 * what vLLM parsed is the new value, before `prepareDeployments` (what `pulumi up` runs first) returns.
 */
import { copyFile, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../infra/config/resolve";
import { vllmInstall } from "../../infra/check/vllm-check";
import { prepareDeployments } from "../../infra/prepare";
import { PYTHON } from "../support/python";
import { recordingPython } from "../support/recording-python";
import { skipWithoutVllm, VLLM, VLLM_VARS } from "../support/vllm";

const skip = skipWithoutVllm();

describe.skipIf(skip)("vLLM check cached by shim, device, model stand-in and install", () => {
  it("unchanged: vLLM not started; changed: checked by the real vLLM again", async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "qcm-vllm-cache-"));
    const install = vllmInstall(cacheDir, VLLM.version);
    await mkdir(install.dir);
    await copyFile(VLLM.marker, install.marker);
    const { calls } = await recordingPython(join(install.dir, "venv"), VLLM.python);
    const options = { python: PYTHON, vllm: { cacheDir, vars: VLLM_VARS }, cacheDir };

    const first = await prepareDeployments(resolveConfig({}), options);
    expect(first.vllm?.checked).toEqual([VLLM.version]);
    expect(await calls()).toHaveLength(1);

    const again = await prepareDeployments(resolveConfig({}), options);
    expect(await calls()).toHaveLength(1);
    expect(again.vllm?.checked).toEqual([VLLM.version]);
    expect(again.deployments.map((d) => d.vllm)).toEqual(first.deployments.map((d) => d.vllm));

    const changed = await prepareDeployments(resolveConfig({ deployments: { coder: { maxInputs: 3 } } }), options);
    expect(await calls()).toHaveLength(2);
    const coder = changed.deployments.find((d) => d.name === "coder")!.vllm!;
    expect(Object.keys(coder).length).toBeGreaterThan(0);
    for (const report of Object.values(coder)) expect(report.parsed?.max_num_seqs).toBe(3);
  }, 20 * 60_000);
});
