/**
 * Reads this project's keys from Pulumi stack config (`Pulumi.<stack>.yaml`).
 * @module
 */
// Subpaths of @pulumi/pulumi, not its root (which loads the Automation API and the closure serializer: docs/engine.md).
import { Config } from "@pulumi/pulumi/config";
import { allConfig } from "@pulumi/pulumi/runtime/config";
import { CONFIG_NAMESPACE, type RawStackConfig } from "./resolve";
import { stackSettingsSchema } from "./schema";
import { CREDENTIAL_KEYS } from "./credentials";

const SETTING_KEYS = Object.keys(stackSettingsSchema.shape);
const KNOWN_KEYS = new Set(["deployments", ...SETTING_KEYS, ...Object.values(CREDENTIAL_KEYS)]);

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Raw config plus the credential values (kept out of logs by the caller). */
export interface PulumiStackConfig {
  raw: RawStackConfig;
  credentials: { tokenId?: string; tokenSecret?: string };
  /** One line per key this project does not know (typos), in the ConfigError format. */
  unknownKeys: string[];
}

/**
 * Reads `qwen-code-modal:*` keys of the current stack. Unknown keys are returned, not thrown, so
 * that the caller reports them together with every bad value (one error, one run).
 */
export function readPulumiConfig(): PulumiStackConfig {
  const all = allConfig();
  const unknown = Object.keys(all)
    .filter((k) => k.startsWith(`${CONFIG_NAMESPACE}:`))
    .map((k) => k.slice(CONFIG_NAMESPACE.length + 1))
    .filter((k) => !KNOWN_KEYS.has(k));
  const cfg = new Config(CONFIG_NAMESPACE);
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = cfg.get(key);
    if (value !== undefined) settings[key] = parseValue(value);
  }
  const deployments = cfg.get("deployments");
  return {
    raw: { deployments: deployments === undefined ? undefined : parseValue(deployments), settings },
    credentials: { tokenId: cfg.get(CREDENTIAL_KEYS.tokenId), tokenSecret: cfg.get(CREDENTIAL_KEYS.tokenSecret) },
    unknownKeys: unknown.map((k) => `${CONFIG_NAMESPACE}:${k}: unknown key; known keys: ${[...KNOWN_KEYS].join(", ")}`),
  };
}
