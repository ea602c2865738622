/**
 * Finding and running the external CLIs the clients launch (qwen-code, Claude Code, modal).
 * @module
 */
import { accessSync, constants } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import { execa } from "execa";
import { UserError } from "./errors";

/**
 * The first executable file named `name` in the PATH directories, like `command -v`.
 * @returns its path, or undefined when none is found.
 */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Runs a program attached to this terminal (stdin, stdout, stderr inherited) and waits for it.
 * Ctrl-C reaches the program (same process group), not this process, which waits for its end.
 * @param env - the program's whole environment.
 * @returns the program's exit code (128 + signal number when a signal ended it).
 */
export async function runAttached(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const ignore = () => {};
  process.on("SIGINT", ignore);
  try {
    const result = await execa(command, args, { env, extendEnv: false, stdio: "inherit", reject: false });
    if (result.failed && result.exitCode === undefined && !result.signal) {
      throw new UserError(`cannot run ${command}: ${result.shortMessage}`);
    }
    const signal = result.signal ? osConstants.signals[result.signal] : 0;
    return result.exitCode ?? 128 + signal;
  } finally {
    process.off("SIGINT", ignore);
  }
}
