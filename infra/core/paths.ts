/**
 * Where the project's own files are, whether running from source (vitest, ts-node under
 * Pulumi) or from the tsc build in dist/. Reads no environment: paths a user can override
 * (modal CLI, Python, env file, endpoint config) are resolved in ./environment.ts.
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The project root: the nearest folder above this file that holds Pulumi.yaml.
 * @throws Error when none is found (the package was copied without its Pulumi.yaml).
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Pulumi.yaml found above ${__dirname}`);
    dir = parent;
  }
}

/** Folder of the committed, generated shims. */
export function shimsDir(root = projectRoot()): string {
  return join(root, "python-shims");
}
