/**
 * Reads a stack config file for commands that run outside Pulumi (`plan`, `render`).
 * @module
 */
import { readFile } from "node:fs/promises";
import type { RawStackConfig } from "./resolve";

/**
 * Reads a JSON file shaped `{ "deployments": {...}, "settings": {...} }`: the same values
 * as the Pulumi stack config keys `qwen-code-modal:deployments` and `qwen-code-modal:<setting>`.
 * @throws Error naming the file when it is missing or not a JSON object.
 */
export async function readRawConfigFile(path: string): Promise<RawStackConfig> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`config file ${path} must hold a JSON object with "deployments" and/or "settings"`);
  }
  const { deployments, settings, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length) throw new Error(`config file ${path}: unknown key(s) ${Object.keys(rest).join(", ")}; allowed: deployments, settings`);
  return { deployments, settings: settings as Record<string, unknown> | undefined };
}
