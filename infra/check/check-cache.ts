/**
 * Results of the shim checks (the modal SDK's, ./modal-check.ts, and vLLM's, ./vllm-check.ts) kept
 * on disk, so a shim that has not changed is not imported again by Python on every `pulumi up`,
 * `preview` or `plan`. An entry holds only what the checker reported; comparing it with the config
 * (`compareWithConfig`, `compareVllmReport`) still runs every time.
 *
 * The key is the SHA-256 of everything the report depends on: the shim's source, the checker's own
 * source, the pinned version (`modal==` in python-shims/requirements.txt; the vLLM the shim pins) and
 * the installed one (the venv's `modal-<version>.dist-info` folder; vLLM's `installed` marker, which
 * `scripts/dev` rewrites on every install), and for vLLM the simulated device and the model's
 * stand-in config. Any byte of these changed → another key → the real checker runs. Only passing
 * reports are kept (a refused shim is checked again next time).
 *
 * Layout: `<cacheDir>/shim-checks/<kind>-<key>.json` (`cacheDir` from infra/core/environment.ts).
 * @module
 */
import { readdirSync, realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { canonicalJson, sha256 } from "../render/hash";
import { writeFileAtomically } from "../core/files";

/** Which checker an entry is from. */
export type CheckKind = "modal" | "vllm";

/** The folder of the cached check results under the environment's cache folder. */
export function checkCacheDir(cacheDir: string): string {
  return join(cacheDir, "shim-checks");
}

/** The key of a check result: SHA-256 of the canonical JSON of every input it depends on. */
export function checkKey(kind: CheckKind, inputs: Record<string, unknown>): string {
  return sha256(canonicalJson({ kind, ...inputs }));
}

/**
 * The cached result under `key`.
 * @returns undefined when there is none, or it cannot be read or parsed (then the check runs again).
 */
export async function readCheck<T>(dir: string, kind: CheckKind, key: string): Promise<T | undefined> {
  try {
    const entry = JSON.parse(await readFile(join(dir, `${kind}-${key}.json`), "utf8")) as { key?: string; result?: T };
    return entry.key === key ? entry.result : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a check result under `key` (atomically: a concurrent reader sees the old file or the new one). */
export async function writeCheck(dir: string, kind: CheckKind, key: string, result: unknown): Promise<void> {
  await writeFileAtomically(join(dir, `${kind}-${key}.json`), `${JSON.stringify({ key, result })}\n`);
}

/**
 * What identifies the modal SDK a Python would import, without starting it: the Python's real path
 * and the `modal-*.dist-info` folders of its venv (`<venv>/lib/python3.X/site-packages`, the layout
 * `python -m venv` makes).
 * @returns undefined when `python` is not in such a venv: then nothing is cached for it.
 */
export function installedModal(python: string): { python: string; distInfo: string[] } | undefined {
  try {
    const real = realpathSync(python);
    const lib = join(dirname(dirname(python)), "lib");
    const distInfo = readdirSync(lib)
      .filter((d) => d.startsWith("python"))
      .flatMap((d) => readdirSync(join(lib, d, "site-packages")).filter((n) => /^modal-.+\.dist-info$/.test(n)).map((n) => `${d}/${n}`));
    return distInfo.length ? { python: real, distInfo } : undefined;
  } catch {
    return undefined;
  }
}
