/**
 * The `qodal` wrapper: a small POSIX shell script (default `~/.local/bin/qodal`) that runs
 * `qwen-code-modal qwen`, which loads the credentials from the project's env file, checks them,
 * and starts qwen-code with the coder selected and telemetry off. The script holds paths only,
 * never a credential.
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Variables } from "../core/environment";
import { UserError } from "../core/errors";
import { writeFileAtomically } from "../core/files";

/** Line that marks a file as written by the installer (so it may be overwritten). */
export const QODAL_MARKER = "# qodal: written by `qwen-code-modal install`";

/** What the wrapper runs. */
export interface QodalTarget {
  /** Node executable (>= 22). */
  node: string;
  /** The project CLI's compiled entry, `dist/infra/cli/main.js`. */
  cliEntry: string;
  /** Env file with the credentials. */
  envFile: string;
  /** Endpoint config; omitted to use the default location at run time. */
  configPath?: string;
  /** qwen-code executable. */
  qwenBin: string;
}

/** `~/.local/bin/qodal`. */
export function defaultQodalPath(env: Variables): string {
  const home = env.HOME || homedir();
  return join(home, ".local", "bin", "qodal");
}

/** Quotes a word for POSIX sh. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The wrapper's text. */
export function qodalScript(target: QodalTarget): string {
  const words = [
    target.node,
    target.cliEntry,
    "qwen",
    "--dotenv",
    target.envFile,
    ...(target.configPath ? ["--config", target.configPath] : []),
    "--qwen-bin",
    target.qwenBin,
  ];
  return [
    "#!/bin/sh",
    QODAL_MARKER,
    "# qwen-code on the self-hosted coder on Modal; rerun `qwen-code-modal install` to update.",
    `exec ${words.map(shellQuote).join(" ")} "$@"`,
    "",
  ].join("\n");
}

/**
 * Writes the wrapper (mode 0755, atomically), unless it already has this text.
 * @returns whether the file changed.
 * @throws UserError when `path` exists and was not written by the installer (it is left alone).
 */
export async function writeQodal(path: string, target: QodalTarget): Promise<boolean> {
  const text = qodalScript(target);
  let current: string | undefined;
  try {
    current = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (current === text) return false;
  if (current !== undefined && !current.includes(QODAL_MARKER)) {
    throw new UserError(`${path} exists and was not written by qwen-code-modal; move it or pass --qodal <another path>`);
  }
  await writeFileAtomically(path, text, { mode: 0o755 });
  return true;
}
