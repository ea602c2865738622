/**
 * The typed, validated description of one model deployment: a Modal app serving one
 * vLLM OpenAI-compatible web endpoint. Every field is checked here, before anything is
 * rendered or deployed.
 * @module
 */
import { z } from "zod";
import { GPU_NAMES } from "../modal/gpus";
import { COLD_START_MODES } from "../coldstart";
import { extraVllmArgProblems } from "./vllm-flags";
import { hasMtpArchitecture, prefixCachingSchema, samplingDefaultsSchema, speculativeDecodingSchema } from "./serving";

/**
 * Modal object names (apps, volumes, secrets): letters, digits, `-`, `_`, `.`, at most 64
 * characters, not shaped like an app id. Source: modal 1.6.4 `modal/_utils/name_utils.py`
 * (`is_valid_object_name`).
 */
export const modalObjectName = z
  .string()
  .max(64, "must be at most 64 characters (Modal object name limit)")
  .regex(/^[a-zA-Z0-9._-]+$/, "may contain only letters, digits, '-', '_' and '.' (Modal object name rules)")
  .refine((s) => !/^ap-[a-zA-Z0-9]{22}$/.test(s), "must not look like a Modal app id (ap-...)");

/**
 * A web endpoint label: the subdomain in `https://<workspace>--<label>.modal.run`; an RFC 1035
 * label. Source: modal 1.6.4 `name_utils.py` (`subdomain_regex`).
 */
export const modalLabel = z
  .string()
  .regex(
    /^(?![0-9]+$)(?!-)[a-z0-9-]{1,63}(?<!-)$/,
    "must be 1-63 lowercase letters, digits or '-', not all digits, not starting or ending with '-' (DNS label)",
  );

/** Hugging Face repository id, `owner/name`. */
const hfRepoId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a Hugging Face repo id like 'owner/name'");

/** A git revision on the Hugging Face Hub: a 40-hex commit (pinned) or a branch/tag name. */
const hfRevision = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, "must be a commit hash, branch or tag (letters, digits, '.', '_', '-', '/')");

/** vLLM flags this project renders itself; an `extraVllmArgs` entry may not set them again. */
export const MANAGED_VLLM_FLAGS = [
  "--host",
  "--port",
  "--served-model-name",
  "--revision",
  "--max-model-len",
  "--kv-cache-dtype",
  "--gpu-memory-utilization",
  "--tensor-parallel-size",
  "--limit-mm-per-prompt",
  "--mm-processor-kwargs",
  "--enable-auto-tool-choice",
  "--tool-call-parser",
  "--reasoning-parser",
  "--max-num-seqs",
  // on for serving "server" (infra/render/vllm-args.ts)
  "--enable-prompt-tokens-details",
  // set from prefixCaching, speculativeDecoding and samplingDefaults (infra/config/serving.ts)
  "--enable-prefix-caching",
  "--no-enable-prefix-caching",
  "--prefix-match-unit",
  "--enable-mamba-shared-prefix-checkpoint",
  "--speculative-config",
  "--generation-config",
  "--override-generation-config",
] as const;

/**
 * One `extraVllmArgs` entry. Which flag vLLM reads it as, and whether that flag is allowed, is checked
 * on the whole list (infra/config/vllm-flags.ts), since a value belongs to the flag before it.
 * (`--disable-log-requests` is accepted: in vLLM 0.33 it is the inverse of `--enable-log-requests`,
 * vllm/utils/argparse_utils.py:120-145, and request logging is off by default.)
 */
const extraVllmArg = z
  .string()
  .min(1)
  .regex(/^[^\0\r\n]*$/, "must not contain NUL or line breaks");

/** vLLM `--kv-cache-dtype` values (vLLM engine args, `CacheDType`). */
export const KV_CACHE_DTYPES = ["auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2"] as const;

/** vLLM tool-call parsers this project knows to suit Qwen3 models (vLLM `--tool-call-parser`). */
export const TOOL_CALL_PARSERS = ["qwen3_coder", "qwen3_xml", "hermes"] as const;

/** vLLM reasoning parsers for Qwen3 thinking models (vLLM docs, "Reasoning Outputs"). */
export const REASONING_PARSERS = ["qwen3", "deepseek_r1"] as const;

/**
 * How Modal serves a deployment's HTTP port (docs/serving-modes.md):
 * - `web_server`: an `@app.function` with `@modal.web_server` (a Web Function; modal 1.6.4
 *   `_partial_function.py` `web_server`), requests through Modal's input system (150 s then 303,
 *   modal.com/docs/guide/webhook-timeouts);
 * - `server`: an `@app.server` class (a Modal Server, modal 1.6.4 `app.py:1394`): requests go straight
 *   to a container through Modal's routing proxy, which hashes a `Modal-Session-ID` header to keep a
 *   session on one container (modal.com/docs/guide/sticky-sessions).
 */
export const SERVING_MODES = ["web_server", "server"] as const;

/** A serving mode, see {@link SERVING_MODES}. */
export type ServingMode = (typeof SERVING_MODES)[number];

/** Most images one prompt may carry: the `vlm-analyzer` compare_images contract (2 to 5 images). */
export const MAX_IMAGES_PER_PROMPT = 5;

/**
 * A Modal GPU type, or a list of them in order of preference: Modal takes `gpu: str | list[str]`
 * and schedules the function on the first type with capacity (modal 1.6.4 `modal/app.py:908,946`
 * "either a single GPU type or a list of types"; `_functions.py:1242,1255` parses each entry).
 */
const gpuChoice = z
  .union([z.string(), z.array(z.string()).min(1, "must list at least one GPU type").max(GPU_NAMES.length)], {
    error: `must be a Modal GPU type or a list of them in order of preference (${GPU_NAMES.join(", ")})`,
  })
  .superRefine((value, ctx) => {
    const list = Array.isArray(value) ? value : [value];
    list.forEach((gpu, i) => {
      const path = Array.isArray(value) ? [i] : [];
      if (!(GPU_NAMES as string[]).includes(gpu)) {
        ctx.addIssue({ code: "custom", path, message: `must be one of Modal's GPU types: ${GPU_NAMES.join(", ")}` });
      } else if (list.indexOf(gpu) !== i) {
        ctx.addIssue({ code: "custom", path, message: `${gpu} is already listed; list each GPU type once` });
      }
    });
  });

const seconds = (min: number, max: number, what: string) =>
  z.number().int(`${what} must be a whole number of seconds`).min(min).max(max);

/**
 * One model deployment. Units: seconds for every `*Window`/`*Timeout`, tokens for
 * `maxModelLen`, a fraction (0-1] for `gpuMemoryUtilization`.
 */
export const deploymentSchema = z
  .object({
    /** Which client uses it: `coder` (coding agents) or `vlm` (image analysis). */
    role: z.enum(["coder", "vlm"]),
    /** Modal app name. */
    appName: modalObjectName,
    /** How Modal serves the port: a Web Function (`web_server`, the default) or a Modal Server (`server`). */
    serving: z.enum(SERVING_MODES),
    /** Optional web endpoint label (stable URL `https://<workspace>--<label>.modal.run`); `web_server` mode only. */
    label: modalLabel.optional(),
    /** Hugging Face repo of the weights. */
    modelId: hfRepoId,
    /** Hub revision of the weights; a 40-hex commit pins them. */
    modelRevision: hfRevision,
    /** The model name clients send (`--served-model-name`). */
    servedModelName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "must be 1-128 of letters, digits, '.', '_', ':', '/', '-'"),
    /** vLLM version installed in the image (PyPI `vllm==`). */
    vllmVersion: z.string().regex(/^\d+\.\d+(\.\d+)?(\.post\d+)?$/, "must be a released vLLM version like 0.33.0"),
    /** Modal GPU type, or a list in order of preference (Modal `gpu=[...]`); each must hold the deployment. */
    gpu: gpuChoice,
    /** GPUs per container (vLLM tensor parallel size). Modal allows up to 8. */
    gpuCount: z.number().int().min(1).max(8),
    /** vLLM max_model_len: prompt + completion, in tokens. */
    maxModelLen: z.number().int("must be a positive integer (tokens)").positive("must be a positive integer (tokens)"),
    /** vLLM kv_cache_dtype. */
    kvCacheDtype: z.enum(KV_CACHE_DTYPES),
    /** vLLM gpu_memory_utilization: fraction of GPU memory vLLM may use. */
    gpuMemoryUtilization: z.number().gt(0).max(1),
    /** Requests one container serves at once (`@modal.concurrent(max_inputs=...)`, vLLM --max-num-seqs). */
    maxInputs: z.number().int().min(1).max(1000),
    /**
     * `server` mode: concurrent requests per container the autoscaler aims for (`@app.server(target_concurrency=)`,
     * fractional allowed, modal 1.6.4 `app.py:1408,1457-1459`); above it Modal adds containers up to
     * `maxContainers`. At most `maxInputs`, which becomes `max_concurrency` (429 above it). Omitted: Modal's default.
     */
    targetConcurrency: z.number().positive("must be a positive number of concurrent requests").max(1000).optional(),
    /** Most containers at once (`max_containers`); omit for Modal's default (no limit). */
    maxContainers: z.number().int().min(1).max(100).optional(),
    /** Idle seconds before a container scales down (Modal bounds: 2-3600). */
    scaledownWindow: seconds(2, 3600, "scaledownWindow"),
    /** Function timeout: longest one request may run, seconds (Modal: up to 24 h). */
    timeout: seconds(10, 86_400, "timeout"),
    /** Seconds Modal waits for the server to listen on `port` after a cold start. */
    startupTimeout: seconds(10, 3600, "startupTimeout"),
    /** Port vLLM listens on inside the container. */
    port: z.number().int().min(1).max(65_535),
    /** vLLM tool-call parser; set to enable `--enable-auto-tool-choice`. */
    toolCallParser: z.enum(TOOL_CALL_PARSERS).optional(),
    /** vLLM reasoning parser, for thinking models. */
    reasoningParser: z.enum(REASONING_PARSERS).optional(),
    /** Images allowed in one prompt; 0 for a text-only model. */
    maxImagesPerPrompt: z
      .number()
      .int()
      .min(0)
      .max(MAX_IMAGES_PER_PROMPT, `must be at most ${MAX_IMAGES_PER_PROMPT} (vlm-analyzer sends 1 to 5 images a prompt)`),
    /**
     * Largest image, in pixels, the server's image processor keeps: a larger image is resized
     * down to at most this many (aspect ratio kept), whatever the client sent. Rendered as
     * `--mm-processor-kwargs {"max_pixels": N}` (Qwen-VL processors: vLLM 0.33.0
     * model_executor/models/qwen2_vl.py:974-976 makes it the processor's `longest_edge`, which
     * qwen3_vl.py:1000-1006 passes to smart_resize). Only for a deployment that takes images.
     */
    maxImagePixels: z.number().int().min(65_536, "must be at least 65,536 (256x256 px)").max(16_777_216, "must be at most 16,777,216 (Qwen3-VL's own largest size)").optional(),
    /**
     * Cold-start mode: `image` (weights baked in at build), `volume` (weights cached in a Modal
     * Volume), `snapshot` (Modal CPU+GPU memory snapshot of a sleeping vLLM). See docs/coldstart.md.
     */
    coldStart: z.enum(COLD_START_MODES),
    /** Keep vLLM's compile cache in a Modal Volume (CUDA graphs + torch.compile); false renders --enforce-eager. */
    compileCache: z.boolean(),
    /** Name of a Modal Secret holding HF_TOKEN, for gated or private repos. */
    hfSecretName: modalObjectName.optional(),
    /** Prefix caching for append-only agent contexts; omitted: vLLM's default (on). See serving.ts. */
    prefixCaching: prefixCachingSchema.optional(),
    /** Opt-in speculative decoding (MTP); omitted: off. */
    speculativeDecoding: speculativeDecodingSchema.optional(),
    /** Server-side sampling defaults a request's own values override; omitted: the checkpoint's generation_config.json. */
    samplingDefaults: samplingDefaultsSchema.optional(),
    /** Further `vllm serve` arguments, one argv entry each (e.g. "--enable-log-requests"). */
    extraVllmArgs: z.array(extraVllmArg).superRefine((args, ctx) => {
      for (const { index, message } of extraVllmArgProblems(args, MANAGED_VLLM_FLAGS)) ctx.addIssue({ code: "custom", path: [index], message });
    }),
    /**
     * This deployment's deploy gate (see the stack key `gate`, which it overrides): `false` off, a
     * bound in seconds, `true` the default bound. After `modal deploy` the endpoint must serve
     * `servedModelName` and pass the conformance suite within the bound; otherwise
     * `modal app rollback` and the update fails. Not part of the shim: changing it redeploys nothing.
     */
    verifyDeploy: z.union([z.boolean(), z.number().int().min(5).max(7200)], { error: "must be true, false, or a bound in seconds (5-7200)" }).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.role === "vlm" && d.maxImagesPerPrompt < 1) {
      ctx.addIssue({ code: "custom", path: ["maxImagesPerPrompt"], message: "a vlm deployment must allow at least 1 image" });
    }
    if (d.maxImagePixels !== undefined && d.maxImagesPerPrompt < 1) {
      ctx.addIssue({ code: "custom", path: ["maxImagePixels"], message: "bounds images, but this deployment takes none (maxImagesPerPrompt 0): remove it" });
    }
    if (d.speculativeDecoding && !hasMtpArchitecture(d.modelId)) {
      ctx.addIssue({
        code: "custom",
        path: ["speculativeDecoding", "method"],
        message: `${d.modelId} has no MTP layer vLLM can draft with (known: Qwen3-Next / Qwen3-Coder-Next); remove speculativeDecoding`,
      });
    }
    const pc = d.prefixCaching;
    if (pc && !pc.enabled && (pc.matchUnit !== undefined || pc.sharedPrefixCheckpoint)) {
      ctx.addIssue({ code: "custom", path: ["prefixCaching"], message: "matchUnit and sharedPrefixCheckpoint need prefix caching: set enabled to true or remove them" });
    }
    if (pc?.sharedPrefixCheckpoint && (!d.speculativeDecoding || pc.matchUnit === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["prefixCaching", "sharedPrefixCheckpoint"],
        message: "takes effect only with speculativeDecoding (MTP) and a matchUnit smaller than the block (vLLM config/cache.py:312): set both or remove it",
      });
    }
    if (d.serving === "server" && d.label !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["label"],
        message: `a Modal Server takes no label (modal 1.6.4 app.py:1394 has no label parameter; its URL is Modal's): remove label or set serving to "web_server"`,
      });
    }
    if (d.targetConcurrency !== undefined && d.serving !== "server") {
      ctx.addIssue({ code: "custom", path: ["targetConcurrency"], message: `is an @app.server option: set serving to "server" or remove targetConcurrency` });
    }
    if (d.targetConcurrency !== undefined && d.targetConcurrency > d.maxInputs) {
      ctx.addIssue({
        code: "custom",
        path: ["targetConcurrency"],
        message: `${d.targetConcurrency} is above maxInputs ${d.maxInputs} (Modal refuses target_concurrency > max_concurrency, app.py:1522-1523): lower it or raise maxInputs`,
      });
    }
    if (d.startupTimeout > d.timeout) {
      ctx.addIssue({ code: "custom", path: ["startupTimeout"], message: `must not exceed timeout (${d.timeout} s)` });
    }
  });

/** A validated model deployment. */
export type Deployment = z.infer<typeof deploymentSchema>;

/** Budget actions of the controller (see `budgetSchema.action`). */
export const BUDGET_ACTIONS = ["warn", "cool", "stop"] as const;

/**
 * A monthly budget and the usage it must cover (per enabled deployment). Units: USD per month,
 * hours per day, cold starts per day, days per month. `plan` warns when the expected cost exceeds
 * the budget; `spend` and `status` show how much of it Modal has billed this month.
 */
export const budgetSchema = z
  .object({
    /** Most the stack should cost in a calendar month, USD (GPU time, as `plan` estimates it). */
    usdPerMonth: z.number().positive("must be a positive amount of USD per month"),
    /** Hours a deployment has a container up on a working day (serving, idle tails, `warm`). */
    warmHoursPerDay: z.number().min(0).max(24).default(4),
    /** Cold starts a deployment has on a working day (each pays the startup time). */
    coldStartsPerDay: z.number().int().min(0).max(1000).default(4),
    /** Working days a month. */
    daysPerMonth: z.number().int().min(1).max(31).default(22),
    /**
     * What the controller on Modal (`qcm-control`) does once this month's GPU spend from its ledger
     * reaches `usdPerMonth`: `warn` (log and alert), `cool` (end warm periods, every GPU function's
     * min_containers 0), `stop` (cool, then stop the GPU apps; `pulumi up --refresh` redeploys them).
     * See docs/day2.md, "Budget".
     */
    action: z.enum(BUDGET_ACTIONS).default("warn"),
    /**
     * Name of a Modal Secret holding `QCM_ALERT_WEBHOOK` (an ntfy topic URL or a Slack-compatible
     * incoming-webhook URL): the controller posts there at 50, 80 and 100 % of the budget.
     */
    alertSecret: modalObjectName.optional(),
  })
  .strict();

/** A validated budget. */
export type Budget = z.infer<typeof budgetSchema>;

/** Stack-wide settings. */
export const stackSettingsSchema = z
  .object({
    /** Modal environment (`modal -e`); omit for the workspace default. */
    environment: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/, "must be a Modal environment name")
      .optional(),
    /** Modal workspace name, used to predict endpoint URLs in `plan`; URLs after deploy come from Modal. */
    workspace: modalLabel.optional(),
    /** Which deployments to deploy (keys of `deployments`). */
    enabled: z.array(z.string()).min(1, "must name at least one deployment"),
    /** Where `pulumi up` writes the exported endpoint config (default: see infra/core/environment.ts, endpointConfigPath). */
    endpointConfigPath: z.string().min(1).optional(),
    /** Names of the env vars that hold the Modal proxy-auth token id and secret for clients. */
    proxyTokenIdEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
    proxyTokenSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
    /** USD per second per GPU by Modal GPU name, replacing the built-in rates table in `plan`. */
    gpuRatesUsdPerSecond: z
      .record(z.string(), z.number().positive("must be a positive USD/second rate"))
      .superRefine((rates, ctx) => {
        for (const gpu of Object.keys(rates)) {
          if (!(GPU_NAMES as string[]).includes(gpu)) {
            ctx.addIssue({ code: "custom", path: [gpu], message: `${gpu} is not a Modal GPU type; keys must be one of ${GPU_NAMES.join(", ")}` });
          }
        }
      })
      .optional(),
    /** Bound on one `modal deploy`, seconds (a first deploy with baked weights builds an 80 GB image). */
    deployTimeout: seconds(60, 4 * 3600, "deployTimeout"),
    /** Monthly budget and expected usage (`qwen-code-modal:budget`); none by default. */
    budget: budgetSchema.optional(),
    /**
     * The deploy gate after each `modal deploy` (infra/conformance/): `true` (default) within the
     * plan's cold-start estimate + 300 s, a bound in seconds, or `false` for none. A failure rolls
     * the update back. A deployment's `verifyDeploy` overrides it for that deployment.
     */
    gate: z
      .union([z.boolean(), z.number().int("must be true, false, or a whole number of seconds (5-7200)").min(5, "must be true, false, or a bound in seconds (5-7200)").max(7200, "must be true, false, or a bound in seconds (5-7200)")], {
        error: "must be true, false, or a bound in seconds (5-7200)",
      })
      .optional(),
    /**
     * Deploy the controller app `qcm-control` (GPU-seconds ledger, warm periods ended on Modal, budget
     * actions); omitted: true. `false` opts out: no controller, no ledger hooks in the GPU shims.
     */
    control: z.boolean().optional(),
  })
  .strict();

/** Validated stack-wide settings. */
export type StackSettings = z.infer<typeof stackSettingsSchema>;
