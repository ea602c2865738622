/**
 * Reading an image file named by a tool call, with errors that name the path and the fix.
 * @module
 */
import { open } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { ToolFailure } from "./errors.js";

/** Formats a byte count for messages, e.g. `12.3 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Reads one image file's bytes.
 * @param imagePath - as given by the caller; a relative path is resolved against `cwd`.
 * @param maxBytes - largest file accepted, bytes.
 * @param cwd - the server's working directory (the one the MCP client started it in).
 * @returns the absolute path and the file contents.
 * @throws ToolFailure for a missing file, a directory, an unreadable or empty file, or one over `maxBytes`.
 */
export async function readImageFile(
  imagePath: string,
  maxBytes: number,
  cwd: string = process.cwd(),
): Promise<{ path: string; data: Buffer }> {
  const path = resolve(cwd, imagePath);
  const relativeNote = isAbsolute(imagePath)
    ? ""
    : ` ("${imagePath}" is relative, so it was resolved against the server's working directory ${cwd}, ` +
      `which is where the MCP client started it and may not be your project: pass an absolute path)`;
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ToolFailure(`no file at ${path}${relativeNote}: check the path`);
    if (code === "EACCES" || code === "EPERM") {
      throw new ToolFailure(`cannot read ${path}: permission denied; make it readable by the user running vlm-analyzer`);
    }
    throw new ToolFailure(`cannot open ${path} (${code ?? (err as Error).message})${relativeNote}`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) {
      throw new ToolFailure(`${path} is a directory, not an image file: pass the path of one image file`);
    }
    if (!info.isFile()) throw new ToolFailure(`${path} is not a regular file: pass the path of an image file`);
    if (info.size === 0) throw new ToolFailure(`${path} is empty (0 bytes), not an image`);
    if (info.size > maxBytes) {
      throw new ToolFailure(
        `${path} is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit: ` +
          `downscale or crop it first, or raise VLM_MAX_IMAGE_BYTES in the server's environment`,
      );
    }
    try {
      return { path, data: await handle.readFile() };
    } catch (err) {
      throw new ToolFailure(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } finally {
    await handle.close();
  }
}
