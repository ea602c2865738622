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
 *   unset variable stays as written (and Modal answers 401). The same resolution
 *   (`resolveEnvVarsInString`, chunks/chunk-7TK2HU3T.js:355-371; only `SESSION_ID` and
 *   `QWEN_CODE_SESSION_ID` are left for qwen-code's own per-request expansion) fills a Modal Server's
 *   `Modal-Session-ID: ${QCM_SESSION_ID}` from the variable `qodal` sets per launch.
 * - `envKey` names the variable holding the API key; qwen-code refuses to start without one, and
 *   `env` in settings supplies fallbacks. vLLM runs without `--api-key` behind Modal proxy auth,
 *   so the key is a fixed non-secret placeholder.
 * - `model.name`, `telemetry.enabled`, `privacy.usageStatisticsEnabled` (default true in 0.24.4).
 * @module
 */
import { isServerEndpoint, PROXY_AUTH_HEADERS, SESSION_ID_ENV, SESSION_ID_HEADER, type Endpoint, type EndpointConfig, type ImageEditEndpoint } from "@qwen-code-modal/contract";
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
        // A Modal Server routes on this header; `qodal` sets the variable once per launch.
        ...(isServerEndpoint(coder) ? { [SESSION_ID_HEADER]: `\${${SESSION_ID_ENV}}` } : {}),
      },
    },
  };
}

/** A provider entry of the vision bridge's model: the VLM, image input declared. */
export interface QwenVisionProvider extends QwenModelProvider {
  capabilities: { vision: true };
  generationConfig: QwenModelProvider["generationConfig"] & { modalities: { image: true } };
}

/**
 * The VLM's provider entry, for the vision bridge (`visionModel`): qwen-code 0.24.4 picks it only if
 * it is image-capable (`isImageCapable`: `modalities.image === true`, chunk-2VS5EEXU.js:7933) and not
 * the primary model; without `capabilities.agent` the bridge transcribes the image rather than
 * handing the whole turn to the VLM (bundled docs/configuration/model-providers.md, "Vision").
 */
export function vlmModelProvider(vlm: Endpoint, proxyAuth: EndpointConfig["proxyAuth"]): QwenVisionProvider {
  const base = coderModelProvider(vlm, proxyAuth);
  return {
    ...base,
    capabilities: { vision: true },
    generationConfig: { ...base.generationConfig, modalities: { image: true } },
  };
}

/**
 * The image-edit deployment's route for qwen-code's `image_gen` (`imageModel`): 0.24.4 needs
 * `supportsImageGeneration: true`, an HTTPS `baseUrl` and an `envKey` (resolveImageGenerationModel,
 * chunk-DPEB6S2R.js:158914; normalizeImageGenerationBaseUrl, chunk-YVD6XEO3.js:47), and posts to
 * `{baseUrl}/services/aigc/multimodal-generation/generation` with `Authorization: Bearer
 * $envKey` only (chunk-YVD6XEO3.js:73-105): no custom headers, so this route is the bearer-checked
 * `images` function, not the proxy-auth'd one. `imageOnly` keeps it out of the chat model pickers.
 */
export function imageModelProvider(imageEdit: ImageEditEndpoint & { imageGenBaseUrl: string; imageGenKeyEnv: string }): JsonObject {
  return {
    id: imageEdit.model,
    name: `${imageEdit.model} on Modal (${imageEdit.modelId})`,
    baseUrl: imageEdit.imageGenBaseUrl,
    envKey: imageEdit.imageGenKeyEnv,
    supportsImageGeneration: true,
    imageOnly: true,
  };
}

/** Replaces the `modelProviders.openai` entry with the same `id`, or appends it. */
function upsertOpenAiProvider(settings: JsonObject, entry: { id: string }): void {
  const providers = section(settings, "modelProviders");
  const openai = Array.isArray(providers.openai) ? (providers.openai as unknown[]) : [];
  const at = openai.findIndex((p) => (p as { id?: unknown } | null)?.id === entry.id);
  if (at >= 0) openai[at] = entry;
  else openai.push(entry);
  providers.openai = openai;
}

/**
 * Sets the vision bridge to the VLM (`visionModel`, top-level key, read as `settings.visionModel` in
 * chunk-WH7PDTZL.js:50740) and, when an image-edit deployment with a bearer route is deployed,
 * `image_gen` to it (`imageModel`, chunk-WH7PDTZL.js:50742). Other keys are kept.
 * @returns what was set: the VLM's model id and the image model id, if any.
 */
export function applyVisionAndImageSettings(settings: JsonObject, config: EndpointConfig): { visionModel?: string; imageModel?: string } {
  const set: { visionModel?: string; imageModel?: string } = {};
  const vlm = Object.values(config.endpoints).find((e) => e.role === "vlm");
  if (vlm) {
    upsertOpenAiProvider(settings, vlmModelProvider(vlm, config.proxyAuth) as unknown as { id: string });
    settings.visionModel = set.visionModel = vlm.model;
  }
  const imageEdit = Object.values(config.imageEdits ?? {}).find((e) => e.imageGenBaseUrl && e.imageGenKeyEnv);
  if (imageEdit?.imageGenBaseUrl && imageEdit.imageGenKeyEnv) {
    upsertOpenAiProvider(settings, imageModelProvider({ ...imageEdit, imageGenBaseUrl: imageEdit.imageGenBaseUrl, imageGenKeyEnv: imageEdit.imageGenKeyEnv }) as { id: string });
    settings.imageModel = set.imageModel = imageEdit.model;
  }
  return set;
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
