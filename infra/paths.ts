/**
 * Where the project's own files are, whether running from source (vitest, ts-node under
 * Pulumi) or from the tsc build in dist/.
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

/** The project's Python (its venv with the pinned modal SDK), or `$QCM_PYTHON`. */
export function venvPython(root = projectRoot()): string {
  return process.env.QCM_PYTHON || join(root, ".venv", "bin", "python");
}

/** The `modal` CLI used to deploy: `$QCM_MODAL_CLI`, else the project venv's. */
export function modalCli(root = projectRoot()): string {
  return process.env.QCM_MODAL_CLI || join(root, ".venv", "bin", "modal");
}
