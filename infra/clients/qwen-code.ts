/**
 * Getting a qwen-code executable: the one given, the `qwen` on PATH, or a global npm install of
 * the release whose settings keys this project was checked against.
 * @module
 */
import { join } from "node:path";
import { execa } from "execa";
import { UserError } from "../core/errors";
import { findOnPath } from "../core/executables";

/** The qwen-code release the settings keys were checked against (see qwen-settings.ts). */
export const QWEN_CODE_PACKAGE = "@qwen-code/qwen-code@0.24.4";

/** Where a qwen-code executable came from. */
export interface QwenCode {
  bin: string;
  /** True when this call installed it. */
  installed: boolean;
}

/**
 * Finds qwen-code, installing it with `npm install --global` when it is on neither `given` nor PATH.
 * @param given - explicit executable (`--qwen-bin`), used as is.
 * @param env - environment whose PATH is searched and under which npm runs.
 * @throws UserError when npm fails or the installed `qwen` cannot be found.
 */
export async function ensureQwenCode(given: string | undefined, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<QwenCode> {
  if (given) return { bin: given, installed: false };
  const found = findOnPath("qwen", env.PATH);
  if (found) return { bin: found, installed: false };
  log(`qwen-code not found on PATH: installing ${QWEN_CODE_PACKAGE} with npm --global`);
  const npm = findOnPath("npm", env.PATH);
  if (!npm) throw new UserError(`neither qwen nor npm is on PATH: install Node.js >= 22 (with npm), or pass --qwen-bin <path to qwen>`);
  const install = await execa(npm, ["install", "--global", "--no-fund", "--no-audit", QWEN_CODE_PACKAGE], {
    env,
    extendEnv: false,
    reject: false,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (install.exitCode !== 0) throw new UserError(`npm install --global ${QWEN_CODE_PACKAGE} failed (exit ${install.exitCode}); see npm's output above`);
  const prefix = (await execa(npm, ["prefix", "--global"], { env, extendEnv: false })).stdout.trim();
  const bin = findOnPath("qwen", join(prefix, "bin"));
  if (!bin) throw new UserError(`npm installed ${QWEN_CODE_PACKAGE} but ${join(prefix, "bin", "qwen")} is missing`);
  return { bin, installed: true };
}
