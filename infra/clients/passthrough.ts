/**
 * Splits a launcher's arguments at the first `--`: the launcher's own options before it, the
 * launched program's arguments after it.
 * @module
 */

/** Own arguments and the program's. */
export interface SplitArgs {
  own: string[];
  rest: string[];
}

/** Splits `args` at the first `--` (absent: all are the launcher's own). */
export function splitAtDoubleDash(args: string[]): SplitArgs {
  const at = args.indexOf("--");
  return at < 0 ? { own: args, rest: [] } : { own: args.slice(0, at), rest: args.slice(at + 1) };
}
