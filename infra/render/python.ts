/**
 * Python literal rendering. Every value that reaches a shim goes through here, so no model
 * id, revision or extra argument can close a string and inject code.
 * @module
 */

/** A value that renders as a Python literal. */
export type PyValue = string | number | boolean | null | readonly PyValue[] | { readonly [key: string]: PyValue };

/**
 * Renders a Python `str` literal. JSON string syntax is a subset of Python's: `"`, `\`,
 * control characters and line breaks come out escaped, so the literal always ends where it should.
 */
export function pyStr(value: string): string {
  return JSON.stringify(value);
}

/**
 * Renders a Python literal: str, int/float, bool, None, list, dict (string keys).
 * @throws Error for non-finite numbers (Python has no literal for them).
 */
export function py(value: PyValue): string {
  if (value === null) return "None";
  if (typeof value === "string") return pyStr(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot render ${value} as a Python literal`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(py).join(", ")}]`;
  const entries = Object.entries(value as Record<string, PyValue>);
  return `{${entries.map(([k, v]) => `${pyStr(k)}: ${py(v)}`).join(", ")}}`;
}

/** Renders `name=value` keyword arguments, skipping undefined values, in the given order. */
export function pyKwargs(kwargs: Record<string, PyValue | PyCode | undefined>): string {
  return Object.entries(kwargs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v instanceof PyCode ? v.code : py(v as PyValue)}`)
    .join(", ");
}

/** A Python expression written by the renderer itself (a name or a call), rendered as is. */
export class PyCode {
  constructor(readonly code: string) {}
}
