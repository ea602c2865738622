/**
 * Writes rendered shims to disk atomically (infra/core/files.ts).
 * @module
 */
import { join } from "node:path";
import { writeFileAtomically } from "../core/files";
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
  return Promise.all(
    shims.map(async (s) => {
      const target = shimPath(dir, s.name);
      await writeFileAtomically(target, s.source);
      return target;
    }),
  );
}
