import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { writeOfflineEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";

const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");

describe("logs runs `modal app logs` (modal CLI stand-in) for a deployment's app", () => {
  let dir: string;
  let modal: ModalCliStandIn;
  let configPath: string;
  let envFile: string;
  const logs = (...args: string[]) =>
    execa(process.execPath, [CLI, "logs", "--config", configPath, "--env-file", envFile, ...args], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-logs-"));
    configPath = join(dir, "endpoints.json");
    await writeOfflineEndpointConfig(configPath);
    envFile = join(dir, ".env");
    await writeFile(envFile, "MODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\nMODAL_ENVIRONMENT=dev\n");
    modal = await writeModalCliStandIn(dir, []);
  });

  it("passes the app name, --follow or --tail, and Modal's credentials from the env file", async () => {
    for (const [flags, argv] of [
      [["--follow"], ["app", "logs", "qcm-vlm", "--follow"]],
      [["--tail", "50"], ["app", "logs", "qcm-vlm", "--tail", "50"]],
    ] as const) {
      const result = await logs("vlm", ...flags);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain("stand-in log: qcm-vlm INFO: Application startup complete.");
      const calls = await modal.calls();
      expect(calls.at(-1)).toEqual({ argv, modalEnv: ["MODAL_ENVIRONMENT", "MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET"] });
    }
  });

  it("refuses --follow with --tail in one line before calling modal, which refuses the pair too (modal 1.6.4 _logs.py:47)", async () => {
    const before = (await modal.calls()).length;
    const both = await logs("vlm", "--follow", "--tail", "50");
    expect(both.exitCode).toBe(1);
    expect(both.stderr.trim()).toBe("error: logs: --follow and --tail cannot be combined (modal app logs fetches the last N entries or follows, not both): drop one");
    expect((await modal.calls()).length).toBe(before);
  });

  it("asks which deployment when there are several, and rejects an unknown one", async () => {
    const none = await logs();
    expect(none.exitCode).toBe(1);
    expect(none.stderr.trim()).toBe("error: logs: name a deployment: coder or vlm");
    const unknown = await logs("gpu");
    expect(unknown.stderr.trim()).toBe('error: logs: no deployment "gpu" in the endpoint config (it has: coder, vlm)');
    const bad = await logs("coder", "--tail", "ten");
    expect(bad.stderr.trim()).toBe('error: --tail must be a positive number (got "ten")');
  });
});
