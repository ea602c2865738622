/**
 * Splits a launcher's arguments (`qwen`, `claude`, and the `qodal` wrapper that runs `qwen`)
 * into the launcher's own options and the launched program's arguments: an option the launcher
 * knows (`--no-wake`, `--wake-timeout 60`, `--config FILE`, ...) is the launcher's wherever it
 * stands before a `--`; every other word, and everything after the first `--`, is the program's,
 * in order. So `qodal --no-wake -p hi` skips the wake and runs `qwen -p hi`.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** Own arguments and the program's. */
export interface SplitArgs {
  own: string[];
  rest: string[];
}

/** Agent options that only print something (help, version): a launcher given one does not wake the coder. */
const INFO_ONLY = new Set(["--help", "-h", "--version", "-v"]);

/** Whether the agent's arguments only ask it for its help or version (no model call follows). */
export function asksForInfoOnly(rest: string[]): boolean {
  return rest.some((a) => INFO_ONLY.has(a));
}

/**
 * Splits `args` by the launcher's `options` (node:util parseArgs' option config). A launcher
 * option's value is taken with it (`--wake-timeout 60` or `--wake-timeout=60`); a word the
 * program takes as an option's value that happens to be a launcher option name is taken by the
 * launcher: pass such words after `--`.
 */
export function splitLauncherArgs(args: string[], options: ParseArgsOptionsConfig): SplitArgs {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const own = new Set<number>();
  let terminator: number | undefined;
  for (const token of tokens) {
    if (token.kind === "option-terminator") {
      terminator = token.index;
      break;
    }
    if (token.kind !== "option" || !Object.hasOwn(options, token.name) || !token.rawName.startsWith("--")) continue;
    own.add(token.index);
    if (options[token.name].type === "string" && token.inlineValue === false) own.add(token.index + 1);
  }
  const before = terminator === undefined ? args : args.slice(0, terminator);
  const after = terminator === undefined ? [] : args.slice(terminator + 1);
  return {
    own: before.filter((_, i) => own.has(i)),
    rest: [...before.filter((_, i) => !own.has(i)), ...after],
  };
}
