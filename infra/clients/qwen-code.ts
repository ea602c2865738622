/**
 * Getting a qwen-code executable: the one given, the `qwen` on PATH, the project's own (its
 * `@qwen-code/qwen-code` dependency in node_modules), or else a global npm install of the release
 * whose settings keys this project was checked against. And making its bundled ripgrep usable.
 * @module
 */
import { accessSync, chmodSync, constants, existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { UserError } from "../core/errors";
import { projectRoot } from "../core/paths";
import { findOnPath } from "../core/executables";

/** The qwen-code release the settings keys were checked against (see qwen-settings.ts). */
export const QWEN_CODE_PACKAGE = "@qwen-code/qwen-code@0.24.4";

/** Where a qwen-code executable came from. */
export interface QwenCode {
  bin: string;
  /** True when this call installed it. */
  installed: boolean;
}

/** The project's own `qwen` (`node_modules/.bin/qwen`), whether or not it exists. */
export function projectQwenBin(root = projectRoot()): string {
  return join(root, "node_modules", ".bin", "qwen");
}

/** `qwen` on PATH, else the project's own; undefined when neither exists. */
export function findQwenCode(path: string | undefined, projectBin = projectQwenBin()): string | undefined {
  return findOnPath("qwen", path) ?? (existsSync(projectBin) ? projectBin : undefined);
}

/**
 * Finds qwen-code ({@link findQwenCode}), installing it with `npm install --global` when there is none.
 * @param given - explicit executable (`--qwen-bin`), used as is.
 * @param env - environment whose PATH is searched and under which npm runs.
 * @param projectBin - the project's own `qwen` (default {@link projectQwenBin}).
 * @throws UserError when npm fails (naming `--qwen-bin`) or the installed `qwen` cannot be found.
 */
export async function ensureQwenCode(
  given: string | undefined,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  projectBin = projectQwenBin(),
): Promise<QwenCode> {
  if (given) return { bin: given, installed: false };
  const found = findQwenCode(env.PATH, projectBin);
  if (found) return { bin: found, installed: false };
  log(`qwen-code not found on PATH nor in the project: installing ${QWEN_CODE_PACKAGE} with npm --global`);
  const npm = findOnPath("npm", env.PATH);
  if (!npm) throw new UserError(`neither qwen nor npm is on PATH: install Node.js >= 22 (with npm), or pass --qwen-bin <path to qwen>`);
  const install = await execa(npm, ["install", "--global", "--no-fund", "--no-audit", QWEN_CODE_PACKAGE], {
    env,
    extendEnv: false,
    reject: false,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (install.exitCode !== 0) {
    throw new UserError(
      `npm install --global ${QWEN_CODE_PACKAGE} failed (exit ${install.exitCode}); see npm's output above ` +
        `(offline? run \`npm install\` in the project, or pass --qwen-bin <path to qwen>)`,
    );
  }
  const prefix = (await execa(npm, ["prefix", "--global"], { env, extendEnv: false })).stdout.trim();
  const bin = findOnPath("qwen", join(prefix, "bin"));
  if (!bin) throw new UserError(`npm installed ${QWEN_CODE_PACKAGE} but ${join(prefix, "bin", "qwen")} is missing`);
  return { bin, installed: true };
}

/** Node's platform/arch as qwen-code 0.24.4 names its `vendor/ripgrep/<arch>-<platform>/` folders. */
function ripgrepFolder(): string {
  return `${process.arch}-${process.platform}`;
}

/**
 * Makes qwen-code's bundled ripgrep executable. qwen-code 0.24.4 ships `vendor/ripgrep/<arch>-<platform>/rg`
 * without the execute bit, and then prints `Ripgrep not available: … EACCES` on every run and
 * falls back to a slower built-in grep.
 * @param qwenBin - the `qwen` executable (a symlink into the package, as npm installs it).
 * @returns what was done, in one line, or undefined when nothing needed doing or the file is not there.
 */
export function makeRipgrepExecutable(qwenBin: string): string | undefined {
  let rg: string;
  try {
    rg = join(dirname(realpathSync(qwenBin)), "vendor", "ripgrep", ripgrepFolder(), process.platform === "win32" ? "rg.exe" : "rg");
  } catch {
    return undefined;
  }
  if (!existsSync(rg)) return undefined;
  try {
    accessSync(rg, constants.X_OK);
    return undefined;
  } catch {
    // not executable: fix it below
  }
  try {
    chmodSync(rg, 0o755);
    return `qwen-code: made its bundled ripgrep executable (${rg})`;
  } catch (err) {
    return `warning: qwen-code's bundled ripgrep is not executable and could not be made so (${(err as NodeJS.ErrnoException).code}): run \`chmod +x ${rg}\``;
  }
}
