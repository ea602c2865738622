import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { DEFAULT_IMAGE_EDIT_DEPLOYMENTS, DEFAULT_DIFFUSERS_VERSION } from "../../infra/config/image-edit-schema";
import { renderImageEditShim } from "../../infra/render/image-edit-shim";
import { writeShims } from "../../infra/render/write";
import { imageEditPython } from "../support/image-edit-venv";

const venv = imageEditPython();
if (venv.missing) {
  if (process.env.CI === "true") throw new Error(`CI=true and ${venv.missing}`);
  console.log(`skipping the image-edit CPU run: ${venv.missing}`);
}

describe.skipIf(!venv.python)("image-edit shim's own code on CPU: a tiny pipeline of the real diffusers classes, random weights, through the HTTP API in-process", () => {
  it("job API with step progress, OpenAI edits, qwen-code's DashScope route, refusals, failure, sync hand-over, expiry", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-image-cpu-"));
    try {
      const [shim] = await writeShims(dir, [renderImageEditShim("image-edit", DEFAULT_IMAGE_EDIT_DEPLOYMENTS["image-edit"])]);
      const { stdout } = await execa(venv.python!, [resolve(__dirname, "run_shim_cpu.py"), shim, dir], {
        // Offline and credential-free: the shim imports with the real modal SDK without reaching Modal.
        env: { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "", HF_HUB_OFFLINE: "1", PYTHONDONTWRITEBYTECODE: "1" },
        timeout: 900_000,
      });
      const seen = JSON.parse(stdout.trim().split("\n").pop()!);
      expect(seen.app_name).toBe("qcm-image-edit");
      expect(seen.diffusers_version).toBe(DEFAULT_DIFFUSERS_VERSION);
      expect(seen.loaded_class).toBe("QwenImageEditPlusPipeline");
      expect(seen.call_parameters_checked).toContain("callback_on_step_end");
      // Progress: the pipeline's step callback wrote every step to the job record, in order.
      expect(seen.job_step_writes).toEqual([["queued", 0], ["running", 0], ["running", 1], ["running", 2], ["running", 3], ["succeeded", 3]]);
      expect(seen.job_result_size).toEqual([256, 256]);
      expect(seen.openai_edit).toEqual({ keys: ["created", "data"], size: [256, 256], created_is_int: true });
      expect(seen.image_gen).toEqual({
        unauthorized: 401, wrong_key: 401, status: 200, url_path: "/v1/files", download_size: [256, 256], forged_token: 404, proxy_routes_absent: 404,
      });
      expect(Object.values(seen.refusals).every(([status]: any) => status === 400)).toBe(true);
      expect(seen.refusals["three images"][1]).toBe("images: got 3; this deployment takes at most 2");
      expect(seen.refusals["remote url"][1]).toMatch(/^images\[0\]: remote image URLs are not fetched/);
      expect(seen.failed_job).toEqual({ status: "failed", error: "RuntimeError: CUDA out of memory (simulated)" });
      expect(seen.sync_timeout).toEqual({ status: 202, object: "image.edit.job" });
      expect(seen.expiry).toMatchObject({ status_after_ttl: 404, files_after: 0, records_after: 0 });
      expect(seen.expiry.removed).toBeGreaterThanOrEqual(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
