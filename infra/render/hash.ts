/**
 * Content hashes that decide whether anything changed.
 * @module
 */
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every depth, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 of a string, lowercase hex (64 characters). */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
