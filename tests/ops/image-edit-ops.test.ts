import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startImageEditStandIn, type ImageEditStandIn } from "../stand-ins/image-edit-endpoint";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const AUTH = { tokenId: "tk-standin-img-id", tokenSecret: "ts-standin-img-secret" };
const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");

describe("status and logs cover an image-edit deployment (image-edit endpoint, vLLM and modal CLI stand-ins)", () => {
  let dir: string;
  let coder: VllmStandIn;
  let vlm: VllmStandIn;
  let edit: ImageEditStandIn;
  let modal: ModalCliStandIn;
  let configPath: string;
  let envFile: string;
  const cli = (...args: string[]) =>
    execa(process.execPath, [CLI, ...args.slice(0, 1), "--config", configPath, "--env-file", envFile, ...args.slice(1)], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-image-ops-"));
    coder = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH });
    vlm = await startVllmStandIn({ model: "qwen3-vl", proxyAuth: AUTH });
    edit = await startImageEditStandIn({ proxyAuth: { id: AUTH.tokenId, secret: AUTH.tokenSecret } });
    configPath = join(dir, "endpoints.json");
    const written = await writeStandInEndpointConfig(configPath, { coder, vlm });
    const imageEdits = { "image-edit": { role: "image-edit", app: "qcm-image-edit", url: edit.url, model: "qwen-image-edit", modelId: "Qwen/Qwen-Image-Edit-2511", maxInputImages: 2, defaultSteps: 40, maxSteps: 100 } };
    await writeFile(configPath, JSON.stringify({ ...written, imageEdits }));
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\nMODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\n`);
    modal = await writeModalCliStandIn(dir, [{ name: "qcm-coder", tasks: 0 }, { name: "qcm-vlm", tasks: 0 }, { name: "qcm-image-edit", tasks: 2 }]);
  });
  afterAll(async () => {
    await Promise.all([coder.close(), vlm.close(), edit.close()]);
  });

  it("status shows the image-edit app's containers and health, without asking for vLLM metrics", async () => {
    const result = await cli("status");
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\nimage-edit\s+qcm-image-edit\s+up\s+2\s+\d+ ms(\s+-)+\n/);
    expect(result.stdout).toContain("image-edit: diffusers (no vLLM metrics); jobs run one per GPU container");
    expect(edit.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["GET /health 200"]);
  });

  it("logs names the image-edit app", async () => {
    const result = await cli("logs", "image-edit", "--tail", "5");
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await modal.calls()).at(-1)!.argv).toEqual(["app", "logs", "qcm-image-edit", "--tail", "5"]);
    const role = await cli("logs", "image-edit");
    expect(role.exitCode, role.stderr).toBe(0);
  });
});
