/**
 * `qwen-code-modal bench`: measures a deployed endpoint (or any OpenAI-compatible URL) with a
 * coding-agent workload, prints a table, and saves the result as JSON keyed by the deployment's
 * config hash, where `plan` finds it.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { resolveEnvironment } from "../../core/environment";
import { loadStackConfig, stackConfigOption } from "../options";
import { dotenvFile, parseClientArgs, positiveNumber } from "../client-options";
import { loadClientContext, requireEndpoint } from "../../endpoints/context";
import { isServerEndpoint, newSessionId } from "@qwen-code-modal/contract";
import { proxyAuthHeaders, proxyCredentials } from "../../endpoints/credentials";
import { deployedAppTasks, resolveModalCli } from "../../ops/modal-apps";
import { shimInputsHash } from "../../render/shim";
import { gpuShimOptions } from "../../prepare";
import { estimateCost } from "../../cost";
import { gpuOptions } from "../../modal/gpus";
import { runBench, type BenchTarget } from "../../bench/run";
import { formatAffinityComparison, formatBenchResult } from "../../bench/report";
import { runConformance } from "../../conformance/suite";
import { checkLine } from "../../ops/smoke";
import type { Endpoint } from "@qwen-code-modal/contract";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, withModalStack } from "../pulumi-stack";
import { benchResultPath, defaultBenchDir, saveBenchResult } from "../../bench/results";

const USAGE =
  "[--config FILE] [--dotenv FILE] [--deployment NAME | --url URL --model NAME] [--stack-config FILE] " +
  "[--sessions N] [--turns N] [--context-tokens N] [--turn-tokens N] [--max-tokens N] [--corpus DIR] " +
  "[--check] [--cold] [--cold-start-timeout SECONDS] [--request-timeout SECONDS] [--usd-per-hour USD] [--bench-dir DIR] [--out FILE] [--json] " +
  "[--session-ids on|off|both] " +
  PULUMI_STACK_USAGE;

const OPTIONS = {
  ...stackConfigOption,
  ...PULUMI_STACK_OPTIONS,
  deployment: { type: "string" },
  url: { type: "string" },
  model: { type: "string" },
  sessions: { type: "string" },
  turns: { type: "string" },
  "context-tokens": { type: "string" },
  "turn-tokens": { type: "string" },
  "max-tokens": { type: "string" },
  corpus: { type: "string", multiple: true },
  check: { type: "boolean" },
  cold: { type: "boolean" },
  "cold-start-timeout": { type: "string" },
  "request-timeout": { type: "string" },
  "usd-per-hour": { type: "string" },
  "bench-dir": { type: "string" },
  out: { type: "string" },
  json: { type: "boolean" },
  "session-ids": { type: "string" },
} as const;

/** `--session-ids`: send a Modal-Session-ID per session, not, or run both ways and compare. */
const SESSION_ID_MODES = ["on", "off", "both"] as const;

/** A whole number option within bounds. @throws UserError naming the option, the value and the bounds. */
function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const n = positiveNumber(name, value, fallback);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

export const benchCommand: Command = {
  name: "bench",
  summary: "measure an endpoint with a coding-agent workload (TTFT cached/uncached, prefix-cache hits, decode tok/s, tool calls, $/M tokens); saved for plan; --check runs the conformance suite first",
  async run(args) {
    const { values: o } = parseClientArgs("bench", args, OPTIONS, USAGE);
    const shape = {
      sessions: intOption("sessions", o.sessions, 4, 1, 64),
      turns: intOption("turns", o.turns, 4, 1, 20),
      contextTokens: intOption("context-tokens", o["context-tokens"], 32_000, 1_000, 200_000),
      turnTokens: intOption("turn-tokens", o["turn-tokens"], 2_000, 1, 50_000),
      maxTokens: intOption("max-tokens", o["max-tokens"], 256, 1, 8_192),
    };
    const requestTimeoutMs = positiveNumber("request-timeout", o["request-timeout"], 600) * 1000;

    const sessionIdMode = o["session-ids"] as (typeof SESSION_ID_MODES)[number] | undefined;
    if (sessionIdMode !== undefined && !SESSION_ID_MODES.includes(sessionIdMode)) {
      throw new UserError(`--session-ids must be one of ${SESSION_ID_MODES.join(", ")} (got "${sessionIdMode}")`);
    }
    // Default: session IDs exactly where agents send them, to a Modal Server (serving "server").
    let serverEndpoint = false;
    let target: BenchTarget;
    let maxModelLen: number | undefined;
    /** The endpoint the conformance suite checks first (`--check`). */
    let checked: Endpoint | undefined;
    let benchDir: string;
    if (o.url) {
      if (!o.model) throw new UserError("bench: --url needs --model (the served model name the endpoint lists at /v1/models)");
      if (o.deployment) throw new UserError("bench: give either --deployment or --url, not both");
      if (o.check) throw new UserError("bench: --check needs the endpoint config (its maxModelLen and role): drop --url and give --deployment, or drop --check");
      // A bare URL: send the proxy-auth headers when the default variables are set (no endpoint config needed).
      const environment = resolveEnvironment({ envFile: dotenvFile(o) });
      const names = { tokenIdEnv: "MODAL_PROXY_TOKEN_ID", tokenSecretEnv: "MODAL_PROXY_TOKEN_SECRET" };
      const vars = environment.vars;
      const headers = vars[names.tokenIdEnv] && vars[names.tokenSecretEnv] ? proxyAuthHeaders(proxyCredentials(names, { ...vars }, environment.envFile)) : {};
      benchDir = o["bench-dir"] ?? defaultBenchDir(vars);
      target = {
        url: o.url.replace(/\/+$/, "").replace(/\/v1$/, ""),
        model: o.model,
        headers,
        deployment: null,
        configHash: null,
        usdPerHour: o["usd-per-hour"] ? positiveNumber("usd-per-hour", o["usd-per-hour"], 0) : null,
      };
    } else {
      const context = await loadClientContext(o);
      benchDir = o["bench-dir"] ?? defaultBenchDir(context.environment.vars);
      const name = o.deployment ?? Object.entries(context.config.endpoints).find(([, e]) => e === requireEndpoint(context, "coder"))![0];
      const endpoint = context.config.endpoints[name];
      if (!endpoint) throw new UserError(`bench: no deployment "${name}" in ${context.configPath} (has: ${Object.keys(context.config.endpoints).join(", ")})`);
      maxModelLen = endpoint.maxModelLen;
      checked = endpoint;
      serverEndpoint = isServerEndpoint(endpoint);
      // The config hash and $/hour come from the stack config plan uses (embedded defaults, or --stack-config).
      const stack = await loadStackConfig(o["stack-config"]);
      const d = stack.deployments[name];
      if (o.cold) {
        const { environment } = await withModalStack(context, o);
        const apps = await deployedAppTasks(resolveModalCli(environment), environment).catch((err: Error) => err);
        if (apps instanceof Error) console.error(`warning: cannot tell whether ${endpoint.app} is scaled to zero (${apps.message}); measuring anyway`);
        else if ((apps.get(endpoint.app) ?? 0) > 0) {
          throw new UserError(
            `bench --cold: ${endpoint.app} has ${apps.get(endpoint.app)} container(s) running; wait for it to scale to zero ` +
              `(scaledownWindow${d ? ` ${d.scaledownWindow} s` : ""} after the last request) or stop it with \`modal app stop ${endpoint.app}\``,
          );
        }
      }
      const perHour = o["usd-per-hour"]
        ? positiveNumber("usd-per-hour", o["usd-per-hour"], 0)
        : d
          ? // The first GPU of a fallback list, as plan prices it (Modal does not say which one a container got).
            estimateCost({ gpu: gpuOptions(d.gpu)[0], gpuCount: d.gpuCount, startupSeconds: 0, scaledownWindowSeconds: 0, rateOverrides: stack.settings.gpuRatesUsdPerSecond }).usdPerWarmHour
          : null;
      target = {
        url: endpoint.url,
        model: endpoint.model,
        headers: proxyAuthHeaders(context.credentials),
        deployment: name,
        configHash: d ? shimInputsHash(name, d, gpuShimOptions(stack)) : null,
        usdPerHour: perHour,
      };
    }
    const longest = shape.contextTokens + shape.turns * (shape.turnTokens + shape.maxTokens) + 1_000;
    if (maxModelLen !== undefined && longest > maxModelLen) {
      throw new UserError(
        `bench: the last turn would need ~${longest.toLocaleString("en-US")} tokens, over the deployment's max_model_len ${maxModelLen.toLocaleString("en-US")}: ` +
          "lower --context-tokens, --turns, --turn-tokens or --max-tokens",
      );
    }
    if (o.check && checked) {
      // The conformance suite smoke and the deploy gate run: a benchmark of an endpoint agents cannot use measures nothing useful.
      const results = await runConformance(checked, { headers: target.headers, timeoutMs: requestTimeoutMs }, (r) => console.error(checkLine(target.deployment!, r)));
      const failed = results.filter((r) => !r.ok);
      if (failed.length) throw new UserError(`bench --check: ${failed.map((r) => `${r.name} (guards: ${r.guards.failure})`).join("; ")} failed on ${target.deployment}; not benchmarking (see the lines above)`);
    }
    const mode = sessionIdMode ?? (serverEndpoint ? "on" : "off");
    const options = {
      ...shape,
      requestTimeoutMs,
      corpusDirs: o.corpus,
      coldTimeoutMs: o.cold ? positiveNumber("cold-start-timeout", o["cold-start-timeout"], 1200) * 1000 : undefined,
      log: (line: string) => console.error(`… ${line}`),
    };
    // `both`: first without session IDs, then with, on fresh text (sessions past the first pass's), so
    // the second pass finds nothing the first one cached.
    const without = mode === "both" ? await runBench(target, options) : undefined;
    const result = await runBench(
      mode === "off" ? target : { ...target, sessionIdPrefix: newSessionId() },
      without ? { ...options, coldTimeoutMs: undefined, firstSession: shape.sessions } : options,
    );
    const out = o.out ?? (target.deployment && target.configHash ? benchResultPath(benchDir, target.deployment, target.configHash) : undefined);
    const measured = result.ttft.firstTurnMs.n + result.ttft.laterTurnsMs.n;
    // A run in which no request answered measured nothing: saving it would make plan show it as a result.
    const saved = out && measured > 0 ? await saveBenchResult(out, result) : undefined;
    if (without) {
      console.log(
        o.json
          ? JSON.stringify({ withoutSessionIds: without, withSessionIds: result }, null, 2)
          : [formatBenchResult(without), "", formatBenchResult(result, saved), "", formatAffinityComparison(without, result)].join("\n"),
      );
    } else console.log(o.json ? JSON.stringify(result, null, 2) : formatBenchResult(result, saved));
    if (measured === 0) console.error(`error: bench: no request answered (${result.errors.length} error(s) above); nothing was saved`);
    return result.errors.length === 0 && (without?.errors.length ?? 0) === 0 && measured > 0 ? 0 : 1;
  },
};
