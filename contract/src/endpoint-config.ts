/**
 * The exported endpoint config: the JSON file that `pulumi up` writes after deploying and
 * that the `vlm-analyzer` MCP server, the qwen-code installer and the day-2 commands read.
 *
 * It names which environment variables hold the Modal proxy-auth credentials; it never holds
 * the credentials themselves.
 *
 * Format (version 1):
 * ```json
 * {
 *   "version": 1,
 *   "stack": "dev",
 *   "proxyAuth": { "tokenIdEnv": "MODAL_PROXY_TOKEN_ID", "tokenSecretEnv": "MODAL_PROXY_TOKEN_SECRET" },
 *   "endpoints": {
 *     "coder": { "role": "coder", "app": "qcm-coder", "url": "https://ws--qcm-coder-serve.modal.run",
 *                "baseUrl": "https://ws--qcm-coder-serve.modal.run/v1", "model": "qwen3-coder-next",
 *                "modelId": "unsloth/Qwen3-Coder-Next-FP8-Dynamic", "maxModelLen": 131072,
 *                "maxImagesPerPrompt": 0, "toolCalling": true, "reasoning": false }
 *   }
 * }
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/** Current format version of the endpoint config file. */
export const ENDPOINT_CONFIG_VERSION = 1 as const;

/** Environment variable that points at an endpoint config file in a non-default place. */
export const ENDPOINT_CONFIG_ENV = "QCM_ENDPOINT_CONFIG";

/**
 * Modal's proxy-auth request headers (source: modal.com/docs/guide/webhook-proxy-auth):
 * a web endpoint deployed with `requires_proxy_auth=True` answers 401 without both.
 */
export const PROXY_AUTH_HEADERS = { tokenId: "Modal-Key", tokenSecret: "Modal-Secret" } as const;

/** What a deployment is for: `coder` serves coding agents, `vlm` serves image analysis. */
export const endpointRoleSchema = z.enum(["coder", "vlm"]);
export type EndpointRole = z.infer<typeof endpointRoleSchema>;

const modalRunUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(:\d+)?(\/[^\s]*)?$/, "must be an http(s) URL without spaces");

/** One deployed OpenAI-compatible vLLM endpoint. */
export const endpointSchema = z.object({
  /** Which client uses it. */
  role: endpointRoleSchema,
  /** Modal app name. */
  app: z.string().min(1),
  /** Web endpoint root URL, e.g. `https://ws--qcm-coder-serve.modal.run` (no trailing slash). */
  url: modalRunUrl,
  /** OpenAI-compatible base URL: `url` + `/v1`. */
  baseUrl: modalRunUrl,
  /** Served model name: the `model` field clients send, as `/v1/models` lists it. */
  model: z.string().min(1),
  /** Hugging Face repository the weights come from. */
  modelId: z.string().min(1),
  /** vLLM max_model_len, in tokens (prompt + completion). */
  maxModelLen: z.number().int().positive(),
  /** Images allowed in one prompt (vLLM --limit-mm-per-prompt); 0 for text-only. */
  maxImagesPerPrompt: z.number().int().nonnegative(),
  /** Whether the server parses tool calls (`--enable-auto-tool-choice`). */
  toolCalling: z.boolean(),
  /** Whether the server splits reasoning from the answer (`--reasoning-parser`). */
  reasoning: z.boolean(),
  /**
   * How Modal serves it: `server` for a Modal Server (clients send `Modal-Session-ID`,
   * ./session-affinity.ts); absent or `web_server` for a Web Function.
   */
  serving: z.enum(["web_server", "server"]).optional(),
});
export type Endpoint = z.infer<typeof endpointSchema>;

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/**
 * An image-edit deployment (diffusers, not vLLM): a job API and the OpenAI Images API behind proxy
 * auth, and optionally a bearer-checked endpoint in the DashScope shape qwen-code's `image_gen` sends.
 */
export const imageEditEndpointSchema = z.object({
  role: z.literal("image-edit"),
  /** Modal app name. */
  app: z.string().min(1),
  /** Root URL of the proxy-auth'd web endpoint (job API under `/v1/jobs`, OpenAI `/v1/images/edits`). */
  url: modalRunUrl,
  /** Served model name. */
  model: z.string().min(1),
  /** Hugging Face repository the pipeline comes from. */
  modelId: z.string().min(1),
  /** Input images one edit takes at most. */
  maxInputImages: z.number().int().positive(),
  /** Denoising steps when a request names none, and the most a request may ask for. */
  defaultSteps: z.number().int().positive(),
  maxSteps: z.number().int().positive(),
  /** Base URL for qwen-code's `imageModel` route (bearer key, no proxy auth): `<images url>/v1`. */
  imageGenBaseUrl: modalRunUrl.optional(),
  /** Name of the environment variable holding that bearer key (its value is never written here). */
  imageGenKeyEnv: envVarName.optional(),
});
export type ImageEditEndpoint = z.infer<typeof imageEditEndpointSchema>;

/** The whole file. Endpoint keys are deployment names (`coder`, `vlm` by default). */
export const endpointConfigSchema = z.object({
  version: z.literal(ENDPOINT_CONFIG_VERSION),
  /** Pulumi stack that wrote the file. */
  stack: z.string().min(1),
  /** Names of the environment variables that hold the Modal proxy-auth token id and secret. */
  proxyAuth: z.object({ tokenIdEnv: envVarName, tokenSecretEnv: envVarName }),
  endpoints: z.record(z.string().min(1), endpointSchema),
  /** Image-edit deployments, when one is deployed. */
  imageEdits: z.record(z.string().min(1), imageEditEndpointSchema).optional(),
  /** The stack's monthly budget (`qwen-code-modal:budget`), for `status` and `spend`; absent when none is set. */
  budget: z.object({ usdPerMonth: z.number().positive() }).optional(),
  /**
   * The controller app (`qcm-control`), when the stack deploys it: its app, the `modal.Dict` holding
   * the GPU-seconds ledger and warm periods, and each GPU app's USD per container-second (the plan's
   * rates, dearest GPU option x GPUs), so `status` and `spend` price the ledger as the controller does.
   */
  control: z
    .object({ app: z.string().min(1), dict: z.string().min(1), usdPerSecond: z.record(z.string().min(1), z.number().nonnegative()) })
    .optional(),
});
export type EndpointConfig = z.infer<typeof endpointConfigSchema>;

/**
 * Where the endpoint config lives unless told otherwise: `$QCM_ENDPOINT_CONFIG`, else
 * `$XDG_CONFIG_HOME/qwen-code-modal/endpoints.json` (`~/.config/...` when XDG_CONFIG_HOME is unset).
 */
export function defaultEndpointConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env[ENDPOINT_CONFIG_ENV]) return env[ENDPOINT_CONFIG_ENV];
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "qwen-code-modal", "endpoints.json");
}

/**
 * Reads and validates an endpoint config file.
 * @param path - file to read; defaults to {@link defaultEndpointConfigPath}.
 * @returns the parsed config.
 * @throws Error naming the path and the fix when the file is missing, not JSON, or not of this format.
 */
export async function readEndpointConfig(path: string = defaultEndpointConfigPath()): Promise<EndpointConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(
        `endpoint config ${path} does not exist: run \`pulumi up\` in the qwen-code-modal project ` +
          `to deploy and write it, or set ${ENDPOINT_CONFIG_ENV} to its path`,
      );
    }
    throw new Error(`endpoint config ${path} cannot be read (${code ?? String(err)})`);
  }
  return parseEndpointConfig(text, path);
}

/**
 * Parses endpoint config text.
 * @param text - file contents.
 * @param source - where the text came from, for error messages.
 * @throws Error naming the source, the bad key paths and what they must be.
 */
export function parseEndpointConfig(text: string, source: string): EndpointConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`endpoint config ${source} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = endpointConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`endpoint config ${source} is not a version ${ENDPOINT_CONFIG_VERSION} endpoint config: ${issues}`);
  }
  return parsed.data;
}

/**
 * Picks the endpoint that serves a role.
 * @throws Error listing the deployments present when none has that role.
 */
/**
 * The first image-edit deployment of the config.
 * @throws Error naming the stack when none is deployed.
 */
export function imageEditEndpoint(config: EndpointConfig): ImageEditEndpoint {
  const found = Object.values(config.imageEdits ?? {})[0];
  if (!found) {
    throw new Error(
      `the endpoint config of stack ${config.stack} has no image-edit deployment: enable it ` +
        "(pulumi config set --path 'qwen-code-modal:enabled[2]' image-edit) and run pulumi up",
    );
  }
  return found;
}

export function endpointForRole(config: EndpointConfig, role: EndpointRole): Endpoint {
  const found = Object.values(config.endpoints).find((e) => e.role === role);
  if (!found) {
    const names = Object.keys(config.endpoints).join(", ") || "none";
    throw new Error(`the endpoint config of stack ${config.stack} has no ${role} deployment (it has: ${names})`);
  }
  return found;
}
