/**
 * The problems config validation lists for a raw config that must be rejected.
 * @module
 */
import { expect } from "vitest";
import { ConfigError, resolveConfig } from "../../infra/config/resolve";

/**
 * Resolves `raw`, expecting a ConfigError.
 * @returns its problem lines (`qwen-code-modal:<path>: got …; …`).
 * @throws Error when the config is accepted.
 */
export function configProblems(raw: Parameters<typeof resolveConfig>[0]): string[] {
  try {
    resolveConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}
