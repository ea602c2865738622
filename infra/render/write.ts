/**
 * Writes rendered shims to disk atomically (temporary file, then rename).
 * @module
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { RenderedShim } from "./shim";

/** Path of a deployment's shim inside `dir`. */
export function shimPath(dir: string, name: string): string {
  return join(dir, `${name}.py`);
}

/**
 * Writes every shim into `dir`, each atomically.
 * @returns the paths written, in input order.
 */
export async function writeShims(dir: string, shims: readonly RenderedShim[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    shims.map(async (s) => {
      const target = shimPath(dir, s.name);
      const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(tmp, s.source, "utf8");
      await rename(tmp, target);
      return target;
    }),
  );
}
