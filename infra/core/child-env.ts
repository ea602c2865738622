/**
 * The environment a child process gets: only the variables it needs, picked from the resolved ones
 * (never the whole process environment, which holds every token of every tool).
 * @module
 */

/** Which variables a child gets: these names, and names starting with one of `prefixes` but none of `except`. */
export interface ChildVariables {
  names: readonly string[];
  prefixes: readonly string[];
  /** Prefixes that win over `prefixes` (e.g. `MODAL_PROXY_` inside `MODAL_`). */
  except?: readonly string[];
}

/**
 * The set variables of `vars` that `pick` allows.
 * @param vars - the resolved variables (process environment over .env); unset ones are skipped.
 */
export function childVariables(vars: Readonly<Record<string, string | undefined>>, pick: ChildVariables): Record<string, string> {
  const allowed = (name: string) =>
    pick.names.includes(name) || (pick.prefixes.some((p) => name.startsWith(p)) && !(pick.except ?? []).some((p) => name.startsWith(p)));
  return Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined && allowed(e[0])));
}
