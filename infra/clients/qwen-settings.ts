/**
 * The coder's entry in qwen-code's user settings (`~/.qwen/settings.json`), as qwen-code 0.24.4
 * reads them. Keys checked against 0.24.4's settings schema (`getSettingsSchema()` in its bundle)
 * and the code that reads them:
 * - `security.auth.selectedType: "openai"`: OpenAI-compatible auth.
 * - `modelProviders.openai[]`: `{ id, name, baseUrl, envKey, generationConfig }`; `id` is the
 *   `model` sent; `generationConfig.contextWindowSize` (tokens) and `generationConfig.customHeaders`
 *   are copied per model (`MODEL_GENERATION_CONFIG_FIELDS`).
 * - `${VAR}` in any settings string is replaced from the environment when qwen-code loads the
 *   file (`resolveEnvVarsInObject`), so the headers hold references, never the secrets; an
 *   unset variable stays as written (and Modal answers 401).
 * - `envKey` names the variable holding the API key; qwen-code refuses to start without one, and
 *   `env` in settings supplies fallbacks. vLLM runs without `--api-key` behind Modal proxy auth,
 *   so the key is a fixed non-secret placeholder.
 * - `model.name`, `telemetry.enabled`, `privacy.usageStatisticsEnabled` (default true in 0.24.4).
 * @module
 */
import { PROXY_AUTH_HEADERS, type Endpoint, type EndpointConfig } from "@qwen-code-modal/contract";
import type { JsonObject } from "../core/files";

/** The variable qwen-code reads the coder's API key from (`envKey`). */
export const CODER_API_KEY_ENV = "QCM_CODER_API_KEY";
/** Its value: vLLM checks no key (Modal proxy auth guards the endpoint), but qwen-code wants one. */
export const CODER_API_KEY_PLACEHOLDER = "modal-proxy-auth";

/** A qwen-code `modelProviders.openai[]` entry. */
export interface QwenModelProvider {
  id: string;
  name: string;
  baseUrl: string;
  envKey: string;
  generationConfig: { contextWindowSize: number; customHeaders: Record<string, string> };
}

/** The coder's provider entry: headers reference the credential variables as `${NAME}`. */
export function coderModelProvider(coder: Endpoint, proxyAuth: EndpointConfig["proxyAuth"]): QwenModelProvider {
  return {
    id: coder.model,
    name: `${coder.model} on Modal (${coder.modelId})`,
    baseUrl: coder.baseUrl,
    envKey: CODER_API_KEY_ENV,
    generationConfig: {
      contextWindowSize: coder.maxModelLen,
      customHeaders: {
        [PROXY_AUTH_HEADERS.tokenId]: `\${${proxyAuth.tokenIdEnv}}`,
        [PROXY_AUTH_HEADERS.tokenSecret]: `\${${proxyAuth.tokenSecretEnv}}`,
      },
    },
  };
}

/** The object at `key` of `parent`, created when absent or not an object. */
function section(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (value === null || typeof value !== "object" || Array.isArray(value)) parent[key] = {};
  return parent[key] as JsonObject;
}

/**
 * Sets the coder keys in a settings object, keeping every other key: the coder's
 * `modelProviders.openai` entry replaces one with the same `id` (else is appended).
 * @returns the same object, changed.
 */
export function applyCoderSettings(settings: JsonObject, coder: Endpoint, proxyAuth: EndpointConfig["proxyAuth"]): JsonObject {
  section(section(settings, "security"), "auth").selectedType = "openai";
  const providers = section(settings, "modelProviders");
  const entry = coderModelProvider(coder, proxyAuth);
  const openai = Array.isArray(providers.openai) ? (providers.openai as unknown[]) : [];
  const at = openai.findIndex((p) => (p as { id?: unknown } | null)?.id === entry.id);
  if (at >= 0) openai[at] = entry;
  else openai.push(entry);
  providers.openai = openai;
  section(settings, "env")[CODER_API_KEY_ENV] = CODER_API_KEY_PLACEHOLDER;
  section(settings, "model").name = coder.model;
  section(settings, "telemetry").enabled = false;
  section(settings, "privacy").usageStatisticsEnabled = false;
  return settings;
}
