/**
 * The image-edit test venv (torch, diffusers, ... at the GPU image's pins, plus modal and httpx),
 * created by `scripts/dev test` in `${XDG_CACHE_HOME:-~/.cache}/qwen-code-modal/image-edit-<pins>`.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { imageEditRequirementsPath } from "../../infra/render/image-edit-shim";

/** The venv's python, or why it is missing (then a suite skips locally, and fails under CI=true). */
export function imageEditPython(): { python?: string; missing?: string } {
  const pins = createHash("sha256").update(readFileSync(imageEditRequirementsPath())).digest("hex").slice(0, 12);
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "qwen-code-modal", `image-edit-${pins}`);
  const python = process.env.QCM_IMAGE_EDIT_PYTHON || join(dir, "venv", "bin", "python");
  if (existsSync(python) && (process.env.QCM_IMAGE_EDIT_PYTHON || existsSync(join(dir, ".complete")))) return { python };
  return { missing: `no image-edit test venv at ${dir}: run scripts/dev test to create it` };
}
