/**
 * Turns raw stack config (Pulumi config values, possibly absent) into validated deployments
 * and settings, or one error that lists every problem with its key path, bad value and fix.
 * Pure: no I/O, so `plan`, the Pulumi program and the tests share it.
 * @module
 */
import { z } from "zod";
import { DEFAULT_DEPLOYMENTS, DEFAULT_STACK_SETTINGS } from "./defaults";
import { computeCapacity, MODEL_REGISTRY } from "../capacity";
import { gpuOptions } from "../modal/gpus";
import { deploymentSchema, stackSettingsSchema, type Deployment, type StackSettings } from "./schema";
import { DEFAULT_IMAGE_EDIT_DEPLOYMENTS, imageEditDeploymentSchema, type ImageEditDeployment } from "./image-edit-schema";
import { computeDiffusionCapacity } from "../capacity/diffusion";

/** Pulumi config namespace of this project (`Pulumi.yaml` name). */
export const CONFIG_NAMESPACE = "qwen-code-modal";

/** Raw, unvalidated stack config as read from Pulumi config (JSON values). */
export interface RawStackConfig {
  /** Per-deployment overrides, keyed by deployment name (`qwen-code-modal:deployments`). */
  deployments?: unknown;
  /** Stack-wide settings, each its own config key (`qwen-code-modal:environment`, ...). */
  settings?: Record<string, unknown>;
}

/** The validated result. */
export interface ResolvedConfig {
  settings: StackSettings;
  /** Enabled deployments only, keyed by name, in `settings.enabled` order. */
  deployments: Record<string, Deployment>;
  /** Enabled image-edit (diffusers) deployments, keyed by name, in `settings.enabled` order. */
  imageEdits: Record<string, ImageEditDeployment>;
}

/** Invalid configuration; `message` lists every problem, one a line. Nothing has been rendered or deployed. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const deploymentName = /^[a-z][a-z0-9-]{0,30}$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The full key path of `path` under `keyPrefix` (`qwen-code-modal:` or `qwen-code-modal:deployments.coder`). */
function keyOf(keyPrefix: string, path: readonly PropertyKey[]): string {
  const rest = path.map(String).join(".");
  return keyPrefix.endsWith(":") || !rest ? `${keyPrefix}${rest}` : `${keyPrefix}.${rest}`;
}

/**
 * Problem lines for zod's issues (an unknown-keys issue gives one line per key).
 * @param explain - a better "what is allowed" for an issue at a path (undefined keeps zod's message).
 */
function problemsOf(error: z.ZodError, input: unknown, keyPrefix: string, explain?: (path: PropertyKey[]) => string | undefined): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      // One line per key, each with its own full path (a stack-wide key is `qwen-code-modal:<key>`).
      return issue.keys.map((k) => `${keyOf(keyPrefix, [...issue.path, k])}: unknown key; remove it (check the spelling against README's configuration table)`);
    }
    const got = describe(valueAt(input, issue.path));
    return [`${keyOf(keyPrefix, issue.path)}: got ${got}; ${explain?.(issue.path) ?? issue.message}`];
  });
}

/**
 * What an `enabled` entry may be. A `null` entry is what `pulumi config set --path
 * 'qwen-code-modal:enabled[2]' NAME` leaves on a stack that never set `enabled` (pulumi 3.274.1
 * stores `[null, null, "NAME"]`), hence the command that sets the whole list.
 */
function enabledEntryHint(names: readonly string[]): string {
  const example = JSON.stringify([...DEFAULT_STACK_SETTINGS.enabled, ...names.filter((n) => !DEFAULT_STACK_SETTINGS.enabled.includes(n))]);
  return `must name deployments among ${names.join(", ")}; set the whole list, e.g. pulumi config set qwen-code-modal:enabled '${example}'`;
}

/**
 * Validates raw stack config against the defaults.
 * A deployment override is merged field by field over the default deployment of the same
 * name, or, for a new name, over the default deployment of its `role`.
 * @throws ConfigError listing every invalid key as `qwen-code-modal:<path>: got <value>; <what is allowed>`.
 */
export function resolveConfig(raw: RawStackConfig): ResolvedConfig {
  const problems: string[] = [];
  const settingsInput = { ...DEFAULT_STACK_SETTINGS, ...(raw.settings ?? {}) };
  const settingsResult = stackSettingsSchema.safeParse(settingsInput);
  const knownNames = [...new Set([...Object.keys(DEFAULT_DEPLOYMENTS), ...Object.keys(DEFAULT_IMAGE_EDIT_DEPLOYMENTS), ...(isPlainObject(raw.deployments) ? Object.keys(raw.deployments) : [])])];
  if (!settingsResult.success) {
    const explain = (path: PropertyKey[]) => (path[0] === "enabled" && path.length === 2 ? enabledEntryHint(knownNames) : undefined);
    problems.push(...problemsOf(settingsResult.error, settingsInput, `${CONFIG_NAMESPACE}:`, explain));
  }

  const overrides = raw.deployments ?? {};
  if (!isPlainObject(overrides)) {
    problems.push(`${CONFIG_NAMESPACE}:deployments: got ${describe(overrides)}; must be an object keyed by deployment name`);
    throw new ConfigError(problems);
  }
  const names = new Set(knownNames);
  const deployments: Record<string, Deployment> = {};
  const imageEdits: Record<string, ImageEditDeployment> = {};
  for (const name of names) {
    const key = `${CONFIG_NAMESPACE}:deployments.${name}`;
    if (!deploymentName.test(name)) {
      problems.push(`${key}: deployment names must be 1-31 lowercase letters, digits or '-', starting with a letter`);
      continue;
    }
    const override = overrides[name] ?? {};
    if (!isPlainObject(override)) {
      problems.push(`${key}: got ${describe(override)}; must be an object of deployment fields`);
      continue;
    }
    const imageEditBase = DEFAULT_IMAGE_EDIT_DEPLOYMENTS[name] ?? (override.role === "image-edit" ? DEFAULT_IMAGE_EDIT_DEPLOYMENTS["image-edit"] : undefined);
    if (imageEditBase) {
      const imageEdit = resolveImageEdit(key, { ...imageEditBase, ...override }, problems);
      if (imageEdit) imageEdits[name] = imageEdit;
      continue;
    }
    const base = DEFAULT_DEPLOYMENTS[name] ?? Object.values(DEFAULT_DEPLOYMENTS).find((d) => d.role === override.role);
    if (!base) {
      problems.push(`${key}.role: got ${describe(override.role)}; a new deployment must set role to "coder", "vlm" or "image-edit"`);
      continue;
    }
    const input = { ...base, ...override };
    const result = deploymentSchema.safeParse(input);
    if (!result.success) {
      problems.push(...problemsOf(result.error, input, key));
      continue;
    }
    // Refuse a context beyond what the model was trained for: vLLM 0.33 refuses it too, at the paid
    // cold start (create_engine_config), unless RoPE scaling is configured, which this project does not render.
    const native = MODEL_REGISTRY[result.data.modelId]?.nativeContextTokens;
    if (native !== undefined && result.data.maxModelLen > native) {
      problems.push(
        `${key}.maxModelLen: got ${result.data.maxModelLen}; exceeds ${result.data.modelId}'s native context of ${native} tokens ` +
          `(max_position_embeddings): use at most ${native}; longer contexts need RoPE scaling (YaRN), which this project does not configure`,
      );
      continue;
    }
    // Refuse what cannot hold one max_model_len sequence in GPU memory (infra/capacity), on every
    // GPU type listed: Modal may schedule the function on any of them.
    const misfits = gpuOptions(result.data.gpu)
      .map((gpu) => ({ gpu, capacity: computeCapacity({ ...result.data, gpu }) }))
      .filter((o) => o.capacity.verdict === "error");
    if (misfits.length > 0) {
      problems.push(...misfits.map(({ gpu, capacity }) => `${key}.maxModelLen: got ${result.data.maxModelLen}; does not fit on ${result.data.gpuCount}x ${gpu}: ${capacity.message}`));
      continue;
    }
    deployments[name] = result.data;
  }

  const settings = settingsResult.success ? settingsResult.data : undefined;
  const enabled: Record<string, Deployment> = {};
  const enabledImageEdits: Record<string, ImageEditDeployment> = {};
  if (settings) {
    for (const name of settings.enabled) {
      if (!names.has(name)) {
        problems.push(`${CONFIG_NAMESPACE}:enabled: got ${describe(name)}; must name deployments among ${[...names].join(", ")}`);
      } else if (deployments[name]) {
        enabled[name] = deployments[name];
      } else if (imageEdits[name]) {
        enabledImageEdits[name] = imageEdits[name];
      }
    }
    const byApp = new Map<string, string>();
    for (const [name, d] of [...Object.entries(enabled), ...Object.entries(enabledImageEdits)]) {
      const other = byApp.get(d.appName);
      if (other) problems.push(`${CONFIG_NAMESPACE}:deployments.${name}.appName: got ${describe(d.appName)}; already used by deployment ${other}, app names must differ`);
      byApp.set(d.appName, name);
    }
    // Clients key a model by its served name (qwen-code's model providers, `install`): a coder and
    // a vlm (or image-edit) serving one name would leave one of them unreachable.
    const byServedName = new Map<string, { name: string; role: string }>();
    for (const [name, d] of [...Object.entries(enabled), ...Object.entries(enabledImageEdits)]) {
      const other = byServedName.get(d.servedModelName);
      if (other && other.role !== d.role) {
        problems.push(
          `${CONFIG_NAMESPACE}:deployments.${name}.servedModelName: got ${describe(d.servedModelName)}; already served by deployment ${other.name} (${other.role}): ` +
            "clients pick a model by this name, so each role needs its own; set another servedModelName",
        );
      }
      if (!other) byServedName.set(d.servedModelName, { name, role: d.role });
    }
  }
  if (problems.length > 0 || !settings) throw new ConfigError(problems);
  return { settings, deployments: enabled, imageEdits: enabledImageEdits };
}

/** Validates one image-edit deployment and refuses a GPU that cannot hold the pipeline (infra/capacity/diffusion.ts). */
function resolveImageEdit(key: string, input: Record<string, unknown>, problems: string[]): ImageEditDeployment | undefined {
  const result = imageEditDeploymentSchema.safeParse(input);
  if (!result.success) {
    problems.push(...problemsOf(result.error, input, key));
    return undefined;
  }
  const d = result.data;
  const capacity = computeDiffusionCapacity({ modelId: d.modelId, gpu: d.gpu, imageSize: d.imageSize, inputImages: d.maxInputImages, trueCfgScale: d.trueCfgScale });
  if (capacity.verdict === "error") {
    problems.push(`${key}.gpu: got ${describe(d.gpu)}; ${capacity.message}`);
    return undefined;
  }
  return d;
}
