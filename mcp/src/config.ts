/**
 * The server's configuration: which VLM endpoint to call, with which model name, credentials,
 * timeout and image budget. Read from environment variables, falling back to the exported endpoint
 * config that the deployer writes (environment variables win), and validated with zod at start.
 * @module
 */
import { readFile } from "node:fs/promises";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import {
  defaultEndpointConfigPath,
  ENDPOINT_CONFIG_ENV,
  endpointForRole,
  isServerEndpoint,
  newSessionId,
  readEndpointConfig,
  SESSION_ID_ENV,
  VLM_ANALYZER_DEFAULT_TIMEOUT_SECONDS as DEFAULT_TIMEOUT_SECONDS,
  VLM_ANALYZER_ENV as CONFIG_ENV,
} from "@qwen-code-modal/contract";


/**
 * Default visual-token budget per image: 1,280 tokens. Qwen3-VL encodes 16×16 px patches and merges
 * 2×2 of them into one token, so one token covers 32×32 px; 1,280 tokens ≈ 1.31 MP
 * (source: Qwen3-VL model card and `Qwen3VLProcessor` defaults, patch_size 16, merge_size 2).
 */
export const DEFAULT_MAX_IMAGE_TOKENS = 1280;
/** Default largest image file: 50 MB (a 4K PNG screenshot is 2 to 15 MB). */
export const DEFAULT_MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Default answer length cap: 8,192 tokens (Thinking models spend many tokens on reasoning first). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;
/** Default images per request when neither the endpoint config nor VLM_MAX_IMAGES says: the VLM default's `--limit-mm-per-prompt` of 5 (infra/config/defaults.ts). */
export const DEFAULT_MAX_IMAGES = 5;

const positiveInt = () => z.coerce.number({ error: "must be a number" }).int("must be a whole number").positive("must be > 0");

/**
 * A credential value. An agent that cannot expand a `${VAR}` reference in its MCP settings passes
 * it through literally; that is reported as the variable not being exported.
 */
/** An agent's unexpanded `${VAR}` / `$VAR` reference, passed through literally. */
const UNEXPANDED = /^\$\{?\w+\}?$/;

/** A usable value: set, non-empty, not an unexpanded reference. */
const usable = (v: string | undefined) => (v && !UNEXPANDED.test(v) ? v : undefined);

/**
 * The variables of the `QCM_ENV_FILE` dotenv file, or why it could not be read.
 * @returns the parsed variables (never logged), or an error text naming the file.
 */
async function readEnvFile(path: string): Promise<Record<string, string> | string> {
  try {
    return parseDotenv(await readFile(path, "utf8"));
  } catch (err) {
    return `${CONFIG_ENV.envFile} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

const secretValue = z
  .string()
  .min(1)
  .refine((v) => !UNEXPANDED.test(v), {
    error: "is an unexpanded ${VAR} reference: the agent that started the server does not have that variable; export it before starting the agent",
  });

/** The validated configuration. */
export const serverConfigSchema = z.object({
  /** OpenAI base URL without trailing slash; requests go to `${baseUrl}/chat/completions`. */
  baseUrl: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://ws--qcm-vlm-serve.modal.run/v1" })
    .transform((u) => u.replace(/\/+$/, "")),
  model: z.string().min(1),
  /** Modal-Key header value. */
  tokenId: secretValue,
  /** Modal-Secret header value. */
  tokenSecret: secretValue,
  /** Seconds. */
  timeoutSeconds: positiveInt(),
  /** Visual tokens per image. */
  maxImageTokens: positiveInt().min(64, "must be at least 64"),
  /** Bytes. */
  maxImageBytes: positiveInt(),
  /** Tokens. */
  maxOutputTokens: positiveInt(),
  /** Images per request (the VLM's `--limit-mm-per-prompt`); `compare_images` takes 2 to this many. */
  maxImages: positiveInt().min(2, "must be at least 2 (compare_images compares 2 or more images)"),
  /**
   * `Modal-Session-ID` this server sends with every request, when the VLM is a Modal Server
   * (`serving: "server"` in the endpoint config): the launcher's `QCM_SESSION_ID` when inherited,
   * else one made at start-up, so one agent launch stays on one container. Absent for a Web Function.
   */
  sessionId: z.string().min(1).optional(),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** Where each configured value came from, for the start-up log line (never the secret values). */
export interface LoadedConfig {
  config: ServerConfig;
  /** Names of the env vars the tokens were read from. */
  tokenEnv: { id: string; secret: string };
  /** The endpoint config file used, if one was read. */
  endpointConfigPath?: string;
}

/**
 * Loads the configuration. Environment variables win; missing endpoint/model come from the
 * endpoint config file (`$QCM_ENDPOINT_CONFIG` or `~/.config/qwen-code-modal/endpoints.json`), which
 * also names the token variables; missing (or unexpanded `${VAR}`) tokens come from the
 * `$QCM_ENV_FILE` dotenv file. Each file is only read when something is missing from the environment.
 * @throws Error listing every missing or invalid setting and how to provide it; it never contains a secret.
 */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let fileProblem: string | undefined;
  let fromFile: { baseUrl?: string; model?: string; tokenIdEnv?: string; tokenSecretEnv?: string; maxImages?: number; server?: boolean } = {};
  let endpointConfigPath: string | undefined;
  if (!env[CONFIG_ENV.endpoint] || !env[CONFIG_ENV.model]) {
    endpointConfigPath = defaultEndpointConfigPath(env);
    try {
      const file = await readEndpointConfig(endpointConfigPath);
      const vlm = endpointForRole(file, "vlm");
      fromFile = {
        baseUrl: vlm.baseUrl,
        model: vlm.model,
        tokenIdEnv: file.proxyAuth.tokenIdEnv,
        tokenSecretEnv: file.proxyAuth.tokenSecretEnv,
        maxImages: vlm.maxImagesPerPrompt,
        server: isServerEndpoint(vlm),
      };
    } catch (err) {
      fileProblem = (err as Error).message;
      endpointConfigPath = undefined;
    }
  }
  const tokenEnv = { id: fromFile.tokenIdEnv ?? CONFIG_ENV.tokenId, secret: fromFile.tokenSecretEnv ?? CONFIG_ENV.tokenSecret };
  let envFileVars: Record<string, string> = {};
  let envFileProblem: string | undefined;
  const envFile = env[CONFIG_ENV.envFile];
  if (envFile && !(usable(env[tokenEnv.id]) && usable(env[tokenEnv.secret]))) {
    const read = await readEnvFile(envFile);
    if (typeof read === "string") envFileProblem = read;
    else envFileVars = read;
  }
  const raw = {
    baseUrl: env[CONFIG_ENV.endpoint] || fromFile.baseUrl,
    model: env[CONFIG_ENV.model] || fromFile.model,
    tokenId: usable(env[tokenEnv.id]) ?? usable(envFileVars[tokenEnv.id]) ?? env[tokenEnv.id],
    tokenSecret: usable(env[tokenEnv.secret]) ?? usable(envFileVars[tokenEnv.secret]) ?? env[tokenEnv.secret],
    timeoutSeconds: env[CONFIG_ENV.timeout] || DEFAULT_TIMEOUT_SECONDS,
    maxImageTokens: env[CONFIG_ENV.maxImageTokens] || DEFAULT_MAX_IMAGE_TOKENS,
    maxImageBytes: env[CONFIG_ENV.maxImageBytes] || DEFAULT_MAX_IMAGE_BYTES,
    maxOutputTokens: env[CONFIG_ENV.maxOutputTokens] || DEFAULT_MAX_OUTPUT_TOKENS,
    maxImages: env[CONFIG_ENV.maxImages] || fromFile.maxImages || DEFAULT_MAX_IMAGES,
    sessionId: fromFile.server ? env[SESSION_ID_ENV] || newSessionId() : undefined,
  };
  const parsed = serverConfigSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data, tokenEnv, endpointConfigPath };

  const hints: Record<string, string> = {
    baseUrl: `set ${CONFIG_ENV.endpoint} to the VLM's OpenAI base URL (…/v1)`,
    model: `set ${CONFIG_ENV.model} to the served model name`,
    tokenId: `set ${tokenEnv.id} to the Modal proxy-auth token id (wk-…)`,
    tokenSecret: `set ${tokenEnv.secret} to the Modal proxy-auth token secret (ws-…)`,
  };
  const envName: Record<keyof typeof raw, string> = {
    baseUrl: CONFIG_ENV.endpoint,
    model: CONFIG_ENV.model,
    tokenId: tokenEnv.id,
    tokenSecret: tokenEnv.secret,
    timeoutSeconds: CONFIG_ENV.timeout,
    maxImageTokens: CONFIG_ENV.maxImageTokens,
    maxImageBytes: CONFIG_ENV.maxImageBytes,
    maxOutputTokens: CONFIG_ENV.maxOutputTokens,
    maxImages: CONFIG_ENV.maxImages,
    sessionId: SESSION_ID_ENV,
  };
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as keyof typeof raw;
    return raw[key] === undefined && hints[key] ? `missing: ${hints[key]}` : `invalid ${envName[key]}: ${issue.message}`;
  });
  const notes = [fileProblem && `no fallback from the endpoint config: ${fileProblem}`, envFileProblem].filter(Boolean);
  const fileNote = notes.length ? ` (${notes.join("; ")})` : "";
  throw new Error(
    `vlm-analyzer is not configured: ${problems.join("; ")}${fileNote}. ` +
      `Either set the variables or deploy with \`pulumi up\` so that the endpoint config exists ` +
      `(or point ${ENDPOINT_CONFIG_ENV} at it).`,
  );
}
