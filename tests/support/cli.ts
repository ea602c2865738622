/**
 * Runs the project CLI (the tsc build in dist/) as a user would.
 */
import { resolve } from "node:path";
import { execa } from "execa";

/** Project root. */
export const ROOT = resolve(__dirname, "..", "..");

/** `qwen-code-modal <args>`; never rejects, so tests can assert on exit codes. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  return execa("node", [resolve(ROOT, "dist/infra/cli/main.js"), ...args], { reject: false, env, cwd: ROOT });
}
